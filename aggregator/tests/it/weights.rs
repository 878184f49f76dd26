//! The weight refresher: stake moves in EigenLayer, the registrar's recorded weight goes stale,
//! and one refresh pass sends `updateOperators` for exactly the stale operators. Real anvil, real
//! EigenLayer v1.3.0 core, real registrar.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use alloy::{network::EthereumWallet, primitives::U256, providers::Provider};
use vigil_aggregator::weights::WeightRefresher;
use vigil_chain::{
    WAD,
    bindings::{TestToken, VigilVerifier, eigenlayer::StrategyManager},
    send, signing_provider,
};
use vigil_test_utils::TestNetwork;

#[tokio::test]
async fn a_deposit_makes_one_weight_stale_and_one_pass_refreshes_it() {
    let net = TestNetwork::start(&[100, 100]).await.unwrap();
    let core = net.deployment.eigenlayer;
    let verifier = VigilVerifier::new(net.deployment.vigil.verifier, net.owner.clone());
    let (payer, _) = net.funded_account().await.unwrap();
    let refresher =
        WeightRefresher::new(net.owner.clone(), EthereumWallet::from(payer), *verifier.address());

    // Nothing moved: nothing to do, no transaction.
    assert!(refresher.refresh_once().await.unwrap().is_empty());

    // Operator 0 deposits 50 more tokens: its slashable stake is 150, its recorded weight 100.
    let op = &net.operators[0];
    let more = U256::from(50u64) * U256::from(WAD);
    send("fund", TestToken::new(core.token, net.owner.clone()).transfer(op.address(), more))
        .await
        .unwrap();
    let p = signing_provider(net.anvil.url(), op.signer.clone());
    send("approve", TestToken::new(core.token, p.clone()).approve(core.strategy_manager, more))
        .await
        .unwrap();
    send(
        "deposit",
        StrategyManager::new(core.strategy_manager, p).depositIntoStrategy(
            core.strategy,
            core.token,
            more,
        ),
    )
    .await
    .unwrap();
    assert_eq!(verifier.outdatedOperators().call().await.unwrap(), [op.address()]);

    let updated = refresher.refresh_once().await.unwrap();
    assert_eq!(updated, [op.address()]);
    let head = u32::try_from(net.owner.get_block_number().await.unwrap()).unwrap();
    let state = verifier.operatorStateAt(op.address(), head).call().await.unwrap();
    assert_eq!(U256::from(state.weight), U256::from(150u64) * U256::from(WAD));
    let set = verifier.setStateAt(head).call().await.unwrap();
    assert_eq!(U256::from(set.totalWeight), U256::from(250u64) * U256::from(WAD));
    // Current again.
    assert!(verifier.outdatedOperators().call().await.unwrap().is_empty());
    assert!(refresher.refresh_once().await.unwrap().is_empty());
}
