#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use sqlx::postgres::PgPoolOptions;
use vigil_test_utils::PgServer;

#[tokio::test(flavor = "multi_thread")]
async fn starts_accepts_queries_and_cleans_up() {
    let server = tokio::task::spawn_blocking(PgServer::start).await.unwrap().unwrap();
    let url = server.url();
    assert!(url.starts_with("postgres://vigil@127.0.0.1:"), "{url}");

    let pool = PgPoolOptions::new().max_connections(2).connect(&url).await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(one, 1);

    // A fresh database per test on one server.
    let other = server.create_database("other").unwrap();
    let pool2 = PgPoolOptions::new().max_connections(1).connect(&other).await.unwrap();
    let name: String =
        sqlx::query_scalar("SELECT current_database()").fetch_one(&pool2).await.unwrap();
    assert_eq!(name, "other");

    // Dropping the server with clients still connected stops it (fast shutdown).
    let (port, dir) = (server.port(), server.dir().to_path_buf());
    assert!(dir.join("data/PG_VERSION").is_file());
    drop(server);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(!dir.exists(), "{} left behind", dir.display());
    drop((pool, pool2));
}
