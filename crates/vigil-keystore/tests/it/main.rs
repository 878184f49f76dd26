//! Keystores: the public vectors decrypt, wrong passwords are typed errors, our own keystores
//! round-trip, and alloy/eth-keystore interoperate with ours.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::PathBuf;

use vigil_crypto::SecretKey;
use vigil_keystore::{
    Eip2335Keystore, Error, Kdf, KdfStrength, Password, PrivateKeySigner, V3Keystore,
};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors")
}

fn eip2335_expected() -> (Password, Vec<u8>, Vec<u8>) {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors().join("eip2335/expected.json")).unwrap())
            .unwrap();
    let password =
        String::from_utf8(hex::decode(v["password_utf8_hex"].as_str().unwrap()).unwrap()).unwrap();
    (
        Password::new(password),
        hex::decode(v["secret"].as_str().unwrap()).unwrap(),
        hex::decode(v["pubkey"].as_str().unwrap()).unwrap(),
    )
}

/// The printed EIP-2335 test password, before NFKD and control-code stripping.
fn eip2335_printed_password() -> Password {
    // "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑" with a backspace (U+0008) in it, as the EIP writes it.
    Password::new(
        "\u{1d531}\u{1d522}\u{1d530}\u{1d531}\u{1d52d}\u{1d51e}\u{1d530}\u{1d530}\u{8}\u{1d534}\u{1d52c}\u{1d52f}\u{1d521}\u{1f511}",
    )
}

/// Both EIP-2335 test keystores (full-strength scrypt n = 2^18 and PBKDF2 c = 2^18) decrypt to
/// the expected secret, whose min_pk G1 key (computed here) is the recorded `pubkey`.
#[test]
fn eip2335_vectors_decrypt() {
    let (password, secret, pubkey) = eip2335_expected();
    for file in ["scrypt.json", "pbkdf2.json"] {
        let ks = Eip2335Keystore::from_file(&vectors().join("eip2335").join(file)).unwrap();
        assert_eq!(ks.pubkey(), pubkey.as_slice(), "{file}");
        for pw in [&password, &eip2335_printed_password()] {
            let got = ks.decrypt_secret(pw).unwrap();
            assert_eq!(got.as_slice(), secret.as_slice(), "{file}");
        }
        let sk = ks.decrypt(&password).unwrap();
        assert_eq!(sk.to_bytes().as_slice(), secret.as_slice());
        let g1 = blst::min_pk::SecretKey::from_bytes(&secret).unwrap().sk_to_pk().compress();
        assert_eq!(g1.as_slice(), pubkey.as_slice(), "{file}: min_pk key of the secret");
        assert!(matches!(ks.decrypt(&Password::new("wrong")), Err(Error::WrongPassword)), "{file}");
    }
}

#[test]
fn eip2335_round_trip_both_kdfs() {
    let sk = SecretKey::random();
    let password = Password::new("correct horse battery staple");
    for kdf in [KdfStrength::Light.scrypt(), KdfStrength::Light.pbkdf2()] {
        let ks = Eip2335Keystore::encrypt(&sk, &password, kdf.clone(), "m/12381/60/0/0").unwrap();
        let json = ks.to_json();
        assert!(!json.contains(&hex::encode(sk.to_bytes().as_ref())), "secret leaked into JSON");
        let back = Eip2335Keystore::from_json(&json).unwrap();
        assert_eq!(back.kdf(), &kdf);
        assert_eq!(back.pubkey(), sk.public_key().to_compressed().as_slice());
        assert_eq!(back.decrypt(&password).unwrap().public_key(), sk.public_key());
        assert!(matches!(back.decrypt(&Password::new("nope")), Err(Error::WrongPassword)));
    }
}

#[test]
fn eip2335_standard_strength_is_the_default() {
    assert!(matches!(KdfStrength::default().scrypt(), Kdf::Scrypt { n: 262_144, r: 8, p: 1, .. }));
}

#[test]
fn eip2335_refuses_mismatched_pubkey_and_hostile_params() {
    let sk = SecretKey::random();
    let password = Password::new("pw");
    let ks = Eip2335Keystore::encrypt(&sk, &password, KdfStrength::Light.scrypt(), "").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&ks.to_json()).unwrap();
    v["pubkey"] = hex::encode(SecretKey::random().public_key().to_compressed()).into();
    let tampered = Eip2335Keystore::from_json(&v.to_string()).unwrap();
    assert!(matches!(tampered.decrypt(&password), Err(Error::IdentityMismatch { .. })));

    let base: serde_json::Value = serde_json::from_str(&ks.to_json()).unwrap();
    type Mutation = fn(&mut serde_json::Value);
    let cases: Vec<(&str, Mutation)> = vec![
        ("n not a power of two", |v| v["crypto"]["kdf"]["params"]["n"] = 1000.into()),
        ("n too large", |v| v["crypto"]["kdf"]["params"]["n"] = (1u64 << 30).into()),
        ("dklen", |v| v["crypto"]["kdf"]["params"]["dklen"] = 16.into()),
        ("kdf function", |v| v["crypto"]["kdf"]["function"] = "argon2".into()),
        ("cipher", |v| v["crypto"]["cipher"]["function"] = "aes-256-gcm".into()),
        ("checksum", |v| v["crypto"]["checksum"]["function"] = "md5".into()),
        ("version", |v| v["version"] = 3.into()),
        ("no crypto", |v| {
            v.as_object_mut().unwrap().remove("crypto");
        }),
        ("bad hex", |v| v["crypto"]["cipher"]["message"] = "zz".into()),
    ];
    for (name, mutate) in cases {
        let mut v = base.clone();
        mutate(&mut v);
        let err = Eip2335Keystore::from_json(&v.to_string())
            .and_then(|ks| ks.decrypt(&password).map(|_| ()).map(|_| ks));
        assert!(err.is_err(), "{name} should be refused");
    }
    // A short iv surfaces as a typed error at decryption.
    let mut v = base.clone();
    v["crypto"]["cipher"]["params"]["iv"] = "00".into();
    let ks = Eip2335Keystore::from_json(&v.to_string()).unwrap();
    assert!(matches!(ks.decrypt(&password), Err(Error::Malformed(_))));
}

fn v3_expected() -> (Password, Vec<u8>) {
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(vectors().join("web3-secret-storage/expected.json")).unwrap(),
    )
    .unwrap();
    (
        Password::new(v["password"].as_str().unwrap()),
        hex::decode(v["private_key"].as_str().unwrap()).unwrap(),
    )
}

/// The Web3 secret-storage spec's PBKDF2 vector decrypts. Its scrypt vector uses n = 2^18 with
/// r = 1, which breaks RFC 7914's rule N < 2^(16·r); the `scrypt` crate refuses such parameters,
/// and so do we, with a typed error rather than a wrong-password report.
#[test]
fn v3_spec_vectors() {
    let (password, key) = v3_expected();
    let dir = vectors().join("web3-secret-storage");
    let ks = V3Keystore::from_file(&dir.join("pbkdf2.json")).unwrap();
    let signer = ks.decrypt(&password).unwrap();
    assert_eq!(signer.to_bytes().as_slice(), key.as_slice());
    assert!(matches!(ks.decrypt(&Password::new("testpasswordd")), Err(Error::WrongPassword)));

    let ks = V3Keystore::from_file(&dir.join("scrypt.json")).unwrap();
    assert!(matches!(ks.kdf(), Kdf::Scrypt { n: 262_144, r: 1, p: 8, .. }));
    assert!(matches!(ks.decrypt(&password), Err(Error::KdfParams(_))));
}

#[test]
fn v3_round_trip_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let signer = PrivateKeySigner::random();
    let password = Password::new("hunter2");
    let ks = V3Keystore::encrypt(&signer, &password, KdfStrength::Light.scrypt()).unwrap();
    assert_eq!(ks.address(), Some(signer.address()));
    let path = dir.path().join("operator.json");
    ks.write(&path).unwrap();
    // Never overwrites.
    assert!(matches!(ks.write(&path), Err(Error::Io { .. })));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let back = V3Keystore::from_file(&path).unwrap();
    assert_eq!(back.decrypt(&password).unwrap().address(), signer.address());
    assert!(matches!(back.decrypt(&Password::new("hunter3")), Err(Error::WrongPassword)));
    // A keystore whose recorded address is not its key's.
    let mut v: serde_json::Value = serde_json::from_str(&ks.to_json()).unwrap();
    v["address"] = hex::encode([1u8; 20]).into();
    let bad = V3Keystore::from_json(&v.to_string()).unwrap();
    assert!(matches!(bad.decrypt(&password), Err(Error::IdentityMismatch { field: "address" })));
}

/// Keystores written by alloy (eth-keystore) decrypt here, and ours decrypt there.
#[test]
fn v3_interoperates_with_alloy() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand08::thread_rng();
    let key = [0x42u8; 32];
    let (signer, uuid) =
        PrivateKeySigner::encrypt_keystore(dir.path(), &mut rng, key, "pw", Some("alloy.json"))
            .unwrap();
    assert!(!uuid.is_empty());
    let ours = V3Keystore::from_file(&dir.path().join("alloy.json")).unwrap();
    assert_eq!(ours.decrypt(&Password::new("pw")).unwrap().address(), signer.address());

    let mine =
        V3Keystore::encrypt(&signer, &Password::new("pw2"), KdfStrength::Light.pbkdf2()).unwrap();
    let path = dir.path().join("vigil.json");
    mine.write(&path).unwrap();
    let theirs = PrivateKeySigner::decrypt_keystore(&path, "pw2").unwrap();
    assert_eq!(theirs.address(), signer.address());
}

#[test]
fn passwords_from_env_and_file_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "s3cret\n").unwrap();
    let from_file = Password::from_file(&file).unwrap();
    let sk = SecretKey::random();
    let ks =
        Eip2335Keystore::encrypt(&sk, &Password::new("s3cret"), KdfStrength::Light.scrypt(), "")
            .unwrap();
    assert_eq!(ks.decrypt(&from_file).unwrap().public_key(), sk.public_key());
    assert!(!format!("{from_file:?}").contains("s3cret"));
    assert!(matches!(
        Password::from_file(&dir.path().join("missing")),
        Err(Error::Password { .. })
    ));
    assert!(matches!(
        Password::from_env("VIGIL_TEST_SURELY_UNSET_VARIABLE"),
        Err(Error::Password { .. })
    ));
}
