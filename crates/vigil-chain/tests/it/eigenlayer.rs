//! EigenLayer's real core deploys and works: an operator registers, a staker deposits.

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use vigil_chain::{
    CoreParams, EIGENLAYER_VERSION,
    bindings::{
        TestToken,
        eigenlayer::{AllocationManager, DelegationManager, StrategyManager},
        eigenlayer_core,
    },
    deploy_core, send,
};

use crate::{DEV_KEY, anvil, provider};

#[tokio::test]
async fn core_deploys_and_accepts_operators_and_deposits() {
    let anvil = anvil().await;
    let owner: PrivateKeySigner = DEV_KEY.parse().unwrap();
    let p = provider(&anvil, DEV_KEY);
    let core = deploy_core(&p, owner.address(), CoreParams::default()).await.unwrap();

    let am = AllocationManager::new(core.allocation_manager, p.clone());
    assert_eq!(am.version().call().await.unwrap(), EIGENLAYER_VERSION);
    assert_eq!(am.DEALLOCATION_DELAY().call().await.unwrap(), core.params.deallocation_delay);
    // Whitelisting is deploy_core's (eigen-utils' full binding); deposits go through the production
    // interface.
    let whitelist = eigenlayer_core::StrategyManager::new(core.strategy_manager, p.clone());
    assert!(whitelist.strategyIsWhitelistedForDeposit(core.strategy).call().await.unwrap());
    let sm = StrategyManager::new(core.strategy_manager, p.clone());

    // The owner registers as an operator and deposits: real shares appear in DelegationManager.
    let dm = DelegationManager::new(core.delegation_manager, p.clone());
    send("registerAsOperator", dm.registerAsOperator(Address::ZERO, 0, "uri".into()))
        .await
        .unwrap();
    assert!(dm.isOperator(owner.address()).call().await.unwrap());
    let token = TestToken::new(core.token, p.clone());
    let amount = U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64));
    send("approve", token.approve(core.strategy_manager, amount)).await.unwrap();
    send("deposit", sm.depositIntoStrategy(core.strategy, core.token, amount)).await.unwrap();
    let shares = dm.operatorShares(owner.address(), core.strategy).call().await.unwrap();
    assert_eq!(shares, amount);
    assert!(p.get_block_number().await.unwrap() > 10);
}

/// Which AVSRegistrar callbacks the v1.3.0 AllocationManager bytecode calls: the selectors it
/// embeds. Vigil's registrar must implement exactly these.
#[test]
fn registrar_callback_abi_matches_v1_3_0_bytecode() {
    use alloy::primitives::keccak256;
    let code = &eigenlayer_core::AllocationManager::DEPLOYED_BYTECODE;
    let has = |sig: &str| {
        let sel = &keccak256(sig.as_bytes())[..4];
        // PUSH4 <selector>
        code.windows(5).any(|w| w[0] == 0x63 && &w[1..] == sel)
    };
    let four = has("registerOperator(address,address,uint32[],bytes)");
    let three = has("registerOperator(address,uint32[],bytes)");
    let dereg4 = has("deregisterOperator(address,address,uint32[])");
    let dereg3 = has("deregisterOperator(address,uint32[])");
    let supports = has("supportsAVS(address)");
    println!(
        "register(4)={four} register(3)={three} deregister(4)={dereg4} deregister(3)={dereg3} supportsAVS={supports}"
    );
    assert!(supports, "v1.3.0 checks supportsAVS at setAVSRegistrar");
    assert!(four && dereg4, "v1.3.0 passes the AVS address to the registrar");
    assert!(!three && !dereg3);
}
