//! Sending a contract call and insisting that it was mined and succeeded.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    providers::Provider,
    rpc::types::TransactionReceipt,
};

use crate::{Error, Result};

/// Sends `call`, waits for its receipt and turns a revert into [`Error::Reverted`]; a revert
/// found while estimating gas comes back as [`Error::Call`] with the node's reason.
pub async fn send<P: Provider, D: CallDecoder>(
    what: impl Into<String>,
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt> {
    let what = what.into();
    let pending = call.send().await.map_err(|e| Error::contract(&what, e))?;
    let receipt = pending.get_receipt().await.map_err(|e| Error::call(&what, e))?;
    if !receipt.status() {
        return Err(Error::Reverted { what, tx: receipt.transaction_hash });
    }
    Ok(receipt)
}
