// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVigilBatchCheckpoints} from "../interfaces/IVigilBatchCheckpoints.sol";
import {IVigilCheckpoints} from "../interfaces/IVigilCheckpoints.sol";
import {InclusionProof} from "../libraries/BatchLib.sol";
import {Checkpoint} from "../libraries/CheckpointLib.sol";

/// @title ExampleRollupInbox
/// @notice An example of a rollup's L1 contract that trusts Vigil: it accepts an L2 state root (to
///         prove withdrawals against, say) only for a checkpoint of its own rollup that Vigil
///         certified, either alone ({acceptCertified}) or as a member of a certified batch with its
///         inclusion proof ({acceptFromBatch}: the cheap path, a few thousand gas for the check).
///         It keeps the first state root accepted at each height; a second, different one for a
///         height can only come from two conflicting certified checkpoints, a safety failure of the
///         operator set (which Vigil's slasher punishes), and the inbox then halts instead of
///         choosing.
/// @dev Not part of Vigil's deployment: a template for rollup teams, tested on the real core
///      (test/ExampleRollupInbox.t.sol). Anyone may submit; the proof is the authority.
contract ExampleRollupInbox {
    /// @notice Vigil's verifier: checkpoints certified alone.
    IVigilCheckpoints public immutable vigil;
    /// @notice Vigil's batch roots (`VigilVerifier.batchRoots()`): checkpoints certified in batches.
    IVigilBatchCheckpoints public immutable batches;
    /// @notice The rollup this inbox is for.
    uint64 public immutable rollupId;

    /// @notice The accepted state root at each L2 height (zero: none).
    mapping(uint64 => bytes32) public stateRootAt;
    /// @notice The highest height accepted so far.
    uint64 public latestHeight;
    /// @notice Set once two different certified state roots were offered for one height.
    bool public halted;

    /// @notice A checkpoint was accepted.
    /// @param height The L2 height.
    /// @param blockHash The L2 block hash.
    /// @param stateRoot The L2 state root.
    /// @param batchRoot The batch it was certified in (zero: certified alone).
    event CheckpointAccepted(uint64 indexed height, bytes32 blockHash, bytes32 stateRoot, bytes32 batchRoot);
    /// @notice Two certified checkpoints disagree at `height`: the inbox halted.
    /// @param height The L2 height.
    /// @param accepted The state root accepted first.
    /// @param offered The conflicting certified state root.
    event ConflictHalted(uint64 indexed height, bytes32 accepted, bytes32 offered);

    /// @notice The checkpoint is another rollup's.
    /// @param rollupId Its rollup.
    error WrongRollup(uint64 rollupId);
    /// @notice Vigil does not certify the checkpoint (as given, with that root and proof).
    error NotCertified();
    /// @notice The inbox halted on a conflict.
    error Halted();

    /// @param vigil_ Vigil's verifier.
    /// @param batches_ Vigil's batch roots.
    /// @param rollupId_ This rollup's id in Vigil.
    constructor(IVigilCheckpoints vigil_, IVigilBatchCheckpoints batches_, uint64 rollupId_) {
        vigil = vigil_;
        batches = batches_;
        rollupId = rollupId_;
    }

    /// @notice Accepts `cp` as certified in batch `root`, shown by `proof`.
    /// @param cp The checkpoint.
    /// @param root The certified batch's root.
    /// @param proof cp's inclusion proof in it.
    /// @return isNew Whether the state root was new (false: the same one was already accepted).
    function acceptFromBatch(Checkpoint calldata cp, bytes32 root, InclusionProof calldata proof)
        external
        returns (bool isNew)
    {
        if (cp.rollupId != rollupId) revert WrongRollup(cp.rollupId);
        if (!batches.isCertifiedInBatch(cp, root, proof)) revert NotCertified();
        return _accept(cp, root);
    }

    /// @notice Accepts `cp` as certified alone.
    /// @param cp The checkpoint.
    /// @return isNew Whether the state root was new.
    function acceptCertified(Checkpoint calldata cp) external returns (bool isNew) {
        if (cp.rollupId != rollupId) revert WrongRollup(cp.rollupId);
        if (!vigil.isCertified(cp)) revert NotCertified();
        return _accept(cp, bytes32(0));
    }

    function _accept(Checkpoint calldata cp, bytes32 batchRoot) internal returns (bool) {
        if (halted) revert Halted();
        bytes32 accepted = stateRootAt[cp.height];
        if (accepted == cp.stateRoot) return false;
        if (accepted != bytes32(0)) {
            // Not a revert: the halt must persist.
            halted = true;
            emit ConflictHalted(cp.height, accepted, cp.stateRoot);
            return false;
        }
        stateRootAt[cp.height] = cp.stateRoot;
        if (cp.height > latestHeight) latestHeight = cp.height;
        emit CheckpointAccepted(cp.height, cp.blockHash, cp.stateRoot, batchRoot);
        return true;
    }
}
