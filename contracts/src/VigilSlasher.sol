// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {VigilGoverned} from "./VigilGoverned.sol";
import {VigilVerifier} from "./VigilVerifier.sol";
import {IAllocationManager, SlashingParams} from "./interfaces/IAllocationManager.sol";
import {BLS12381} from "./libraries/BLS12381.sol";
import {BatchHeader, BatchLib, InclusionProof} from "./libraries/BatchLib.sol";
import {Checkpoint, CheckpointLib} from "./libraries/CheckpointLib.sol";

/// @title VigilSlasher
/// @notice Turns evidence that an operator signed two conflicting checkpoints into an EigenLayer slash.
///         One offence is (operator, rollupId, height) in the verifier's domain and is punished once,
///         however many conflicting signatures or certificates prove it.
///
///         Evidence, verified here in full:
///         1. {submitDoubleSign}: two checkpoints, each signed individually by the operator's key;
///         2. {submitCertificateConflict}: the recorded certificate of (rollupId, height) and a
///            conflicting aggregate (checkpoint, non-signers, aggregate signature), the operator being
///            in both signer sets. With proofs of possession an aggregate on a message proves that every
///            member of its signer set signed it (or colluded with those who did);
///         3. {submitEquivocation}: two conflicting checkpoints, each proven signed by the operator in
///            any of four forms ({Statement}): its own signature on the checkpoint, an aggregate on the
///            checkpoint it is in the signer set of, or either of the two on a batch (VIGIL_BATCH_V1)
///            with the checkpoint's inclusion proof. A checkpoint in a signed batch is attributable to
///            the signers exactly as if they had signed it alone: the batch digest commits to the root,
///            the root to the leaf.
///
///         With a veto window of 0 blocks the slash happens in the same transaction; otherwise it is
///         queued, the veto committee may veto it during the window, and anyone executes it afterwards.
/// @dev Needs to be the AVS's PermissionController appointee for slashOperator (see
///      VigilServiceManager.setSlasher). EigenLayer refuses to slash an operator that is no longer
///      slashable, which reverts the submission: the contract keeps no clock of its own.
///      Runs behind a proxy; the slashing parameters and the veto configuration change only through
///      the timelock ({VigilGoverned}). Works with EigenLayer v1.3.0's slashOperator (no return
///      value) and v1.5+'s (returns the slash id and the slashed shares, emitted as {SlashIdRecorded}).
contract VigilSlasher is VigilGoverned {
    /// @notice A checkpoint and one operator's signature (128-byte G1) of its digest.
    struct SignedCheckpoint {
        Checkpoint checkpoint;
        bytes signature;
    }

    /// @notice A checkpoint with an aggregate signature and the non-signers, as in a certificate.
    struct Aggregate {
        Checkpoint checkpoint;
        bytes nonSignerPubkeys;
        bytes signature;
    }

    /// @notice One way of proving that the operator signed `checkpoint` (evidence kind 3). Four forms:
    ///         (a) header.leafCount == 0, !aggregate: `signature` is the operator's own on the
    ///             checkpoint digest;
    ///         (b) header.leafCount == 0, aggregate: `signature` is an aggregate on the checkpoint digest
    ///             by the set at checkpoint.l1Block less `nonSignerPubkeys` (e.g. a certificate);
    ///         (c) header.leafCount > 0, !aggregate: `signature` is the operator's own on the batch
    ///             digest of `header`, and `proof` places the checkpoint's leaf in header.root;
    ///         (d) header.leafCount > 0, aggregate: an aggregate on the batch digest by the set at
    ///             header.toL1Block less `nonSignerPubkeys` (e.g. a batch certificate), and `proof`.
    ///         Fields a form does not use (header and proof in a and b, non-signers in a and c) are
    ///         ignored. The reference block (checkpoint.l1Block in a and b, header.toL1Block in c and d)
    ///         must be in the past; in b and d the operator must be in the set there and not a non-signer.
    ///         No age or threshold rule applies: a signature is evidence whatever stake it carries.
    /// @param checkpoint The checkpoint the operator signed.
    /// @param header The batch holding it (forms c, d); leafCount 0 for a checkpoint signed alone.
    /// @param proof The checkpoint's leaf ({BatchLib.leafHash}) in header.root (forms c, d).
    /// @param nonSignerPubkeys The aggregate's non-signers (forms b, d), EIP-2537 G2 keys ascending
    ///        by key hash.
    /// @param signature The operator's own signature (a, c) or the aggregate (b, d), EIP-2537 G1.
    /// @param aggregate Whether `signature` is an aggregate (b, d).
    struct Statement {
        Checkpoint checkpoint;
        BatchHeader header;
        InclusionProof proof;
        bytes nonSignerPubkeys;
        bytes signature;
        bool aggregate;
    }

    enum SlashStatus {
        None,
        Queued,
        Vetoed,
        Executed
    }

    struct PendingSlash {
        address operator;
        uint64 rollupId;
        uint64 height;
        uint32 executableAt;
        SlashStatus status;
    }

    /// @notice The two checkpoints do not conflict (same height, different block or state root).
    error NotConflicting();
    /// @notice `operator` never registered a key with the registrar.
    /// @param operator The operator.
    error UnknownOperator(address operator);
    /// @notice A signature does not verify under the operator's key.
    error InvalidOperatorSignature();
    /// @notice The offence was recorded before; an offence is punished once.
    /// @param offenceId The offence's id ({offenceId}).
    error AlreadyPunished(bytes32 offenceId);
    /// @notice The verifier recorded no certificate for (rollupId, height).
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    error NoRecordedCertificate(uint64 rollupId, uint64 height);
    /// @notice The recorded checkpoint or non-signers given are not those the verifier recorded.
    error RecordMismatch();
    /// @notice `operator` is not in the signer set of an aggregate the evidence names (not a member at
    ///         its reference block, or a non-signer).
    /// @param operator The operator.
    error NotInSignerSet(address operator);
    /// @notice A statement's inclusion proof does not place its checkpoint in its batch's root.
    error InvalidInclusionProof();
    /// @notice A statement's reference block (checkpoint.l1Block, or the batch's toL1Block) is not in
    ///         the past.
    /// @param referenceBlock The reference block.
    error ReferenceBlockInFuture(uint64 referenceBlock);
    /// @notice Slashing parameters are empty, of different lengths, not ascending, or a wad is 0 or above 1e18.
    error InvalidSlashingParams();
    /// @notice Only the veto committee may veto.
    error OnlyVetoCommittee();
    /// @notice No slash of the offence is queued.
    /// @param offenceId The offence's id ({offenceId}).
    error NotQueued(bytes32 offenceId);
    /// @notice The slash cannot execute before its veto window ends.
    /// @param executableAt The first block it can execute at.
    error VetoWindowOpen(uint32 executableAt);
    /// @notice The veto window has ended.
    /// @param executableAt The first block the slash could execute at.
    error VetoWindowClosed(uint32 executableAt);

    /// @notice An offence was proven and recorded.
    /// @param offenceId The offence's id ({offenceId}).
    /// @param operator The offender.
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    /// @param evidenceKind 1: double sign; 2: certificate conflict; 3: equivocation ({submitEquivocation},
    ///        checkpoints signed alone, in aggregates or in batches).
    event OffenceRecorded(
        bytes32 indexed offenceId, address indexed operator, uint64 rollupId, uint64 height, uint8 evidenceKind
    );
    /// @notice The offence's slash waits for its veto window.
    /// @param offenceId The offence's id ({offenceId}).
    /// @param executableAt The first block it can execute at.
    event SlashQueued(bytes32 indexed offenceId, uint32 executableAt);
    /// @notice The veto committee cancelled the offence's slash.
    /// @param offenceId The offence's id ({offenceId}).
    event SlashVetoed(bytes32 indexed offenceId);
    /// @notice EigenLayer slashed the offender.
    /// @param offenceId The offence's id ({offenceId}).
    /// @param operator The offender.
    /// @param description The description passed to slashOperator.
    event OperatorSlashed(bytes32 indexed offenceId, address indexed operator, string description);
    /// @notice The slashing parameters in effect changed.
    /// @param strategies The strategies slashed.
    /// @param wadsToSlash The share of each slashed per offence (WAD).
    event SlashingParamsSet(address[] strategies, uint256[] wadsToSlash);
    /// @notice The veto configuration in effect changed.
    /// @param committee The veto committee (zero: none).
    /// @param windowBlocks The veto window, in blocks (0: slash at once).
    event VetoConfigSet(address committee, uint32 windowBlocks);
    /// @notice EigenLayer v1.5+ only: the id AllocationManager.slashOperator gave the slash of
    ///         `offenceId`, and the shares it slashed per strategy.
    /// @param offenceId The offence's id ({offenceId}).
    /// @param slashId The slash id EigenLayer returned.
    /// @param slashedShares The shares slashed, per strategy.
    event SlashIdRecorded(bytes32 indexed offenceId, uint256 slashId, uint256[] slashedShares);

    /// @notice New slashing parameters were queued (their change's value word is
    ///         keccak256(abi.encode(strategies, wadsToSlash)); see {VigilGoverned}).
    /// @param strategies The strategies to slash.
    /// @param wadsToSlash The share of each to slash per offence (WAD).
    event SlashingParamsQueued(address[] strategies, uint256[] wadsToSlash);

    /// @notice Change id (see {VigilGoverned}) of the slashing parameters (strategies, wadsToSlash).
    bytes32 public constant SLASHING_PARAMS_CHANGE = keccak256("vigil.slashingParams");
    /// @notice Change id of the veto configuration; its value word is committee | window << 160.
    bytes32 public constant VETO_CONFIG_CHANGE = keccak256("vigil.vetoConfig");

    /// @notice The verifier (and registrar) whose keys, sets and records the evidence is checked against.
    VigilVerifier public immutable verifier;
    /// @notice EigenLayer's AllocationManager, which slashes.
    IAllocationManager public immutable allocationManager;
    /// @notice The AVS (Vigil's service manager) whose operator set is slashed.
    address public immutable avs;
    /// @notice Vigil's operator set id.
    uint32 public immutable operatorSetId;

    /// @notice The address that may veto a queued slash (zero: none).
    address public vetoCommittee;
    /// @notice Blocks between queueing and execution; 0 slashes immediately.
    uint32 public vetoWindow;
    address[] internal _strategies;
    uint256[] internal _wadsToSlash;

    /// @notice Offence id (see {offenceId}) => pending or executed slash.
    mapping(bytes32 => PendingSlash) public slashes;
    address[] internal _pendingStrategies;
    uint256[] internal _pendingWadsToSlash;

    uint256[44] private __gap;

    /// @dev The implementation: immutables only, read from `verifier_` (which must already be set
    ///      up: deploy this after the verifier's proxy points at its implementation). Proxies are set
    ///      up with {initialize}.
    constructor(VigilVerifier verifier_) {
        verifier = verifier_;
        allocationManager = verifier_.allocationManager();
        avs = verifier_.avs();
        operatorSetId = verifier_.operatorSetId();
    }

    /// @notice Sets up a proxy: owner, slashing parameters, veto configuration and governance delay
    ///         (seconds).
    /// @param owner_ The owner (governance).
    /// @param strategies_ The strategies to slash, strictly ascending.
    /// @param wadsToSlash_ The share of each to slash per offence (WAD).
    /// @param vetoCommittee_ The veto committee (zero: none).
    /// @param vetoWindow_ The veto window, in blocks (0: slash at once).
    /// @param governanceDelay_ Seconds between queueing a parameter change and its earliest application.
    function initialize(
        address owner_,
        address[] calldata strategies_,
        uint256[] calldata wadsToSlash_,
        address vetoCommittee_,
        uint32 vetoWindow_,
        uint64 governanceDelay_
    ) external initializer {
        __VigilGoverned_init(owner_, governanceDelay_);
        _setSlashingParams(strategies_, wadsToSlash_);
        _setVetoConfig(vetoCommittee_, vetoWindow_);
    }

    // ---------------------------------------------------------------------------------------------
    // Evidence
    // ---------------------------------------------------------------------------------------------

    /// @notice Evidence kind 1: `operator` signed both `a` and `b`, which conflict.
    /// @param operator The offender.
    /// @param a One signed checkpoint.
    /// @param b A conflicting signed checkpoint.
    /// @return id The offence's id.
    function submitDoubleSign(address operator, SignedCheckpoint calldata a, SignedCheckpoint calldata b)
        external
        returns (bytes32 id)
    {
        if (!CheckpointLib.conflicts(a.checkpoint, b.checkpoint)) revert NotConflicting();
        bytes32 keyHash = verifier.operatorKeyHash(operator);
        if (keyHash == bytes32(0)) revert UnknownOperator(operator);
        bytes memory pubkey = verifier.pubkeyOf(keyHash);
        if (
            !BLS12381.verify(pubkey, verifier.checkpointDigest(a.checkpoint), a.signature, BLS12381.DST_SIG)
                || !BLS12381.verify(pubkey, verifier.checkpointDigest(b.checkpoint), b.signature, BLS12381.DST_SIG)
        ) revert InvalidOperatorSignature();
        id = _punish(operator, a.checkpoint.rollupId, a.checkpoint.height, 1);
    }

    /// @notice Evidence kind 2: the recorded certificate of (rollupId, height) — its checkpoint and
    ///         non-signers, which must match the verifier's record — and a conflicting aggregate; the
    ///         operator is in the signer set of both.
    /// @param operator The offender.
    /// @param recorded The checkpoint of the recorded certificate.
    /// @param recordedNonSigners Its non-signers, as recorded (EIP-2537 keys sorted by hash).
    /// @param conflicting The conflicting certificate.
    /// @return id The offence's id.
    function submitCertificateConflict(
        address operator,
        Checkpoint calldata recorded,
        bytes calldata recordedNonSigners,
        Aggregate calldata conflicting
    ) external returns (bytes32 id) {
        VigilVerifier.Record memory r = verifier.record(recorded.rollupId, recorded.height);
        if (r.blockId == bytes32(0)) revert NoRecordedCertificate(recorded.rollupId, recorded.height);
        if (verifier.checkpointDigest(recorded) != r.digest || keccak256(recordedNonSigners) != r.nonSignersHash) {
            revert RecordMismatch();
        }
        if (!CheckpointLib.conflicts(recorded, conflicting.checkpoint)) revert NotConflicting();
        // Reverts unless the aggregate is valid for its signer set.
        Checkpoint calldata c = conflicting.checkpoint;
        verifier.checkSignatures(_checkpointDigest(c), c.l1Block, conflicting.nonSignerPubkeys, conflicting.signature);

        bytes32 keyHash = verifier.operatorKeyHash(operator);
        if (keyHash == bytes32(0)) revert UnknownOperator(operator);
        if (
            !_inSignerSet(operator, keyHash, recorded.l1Block, recordedNonSigners)
                || !_inSignerSet(operator, keyHash, conflicting.checkpoint.l1Block, conflicting.nonSignerPubkeys)
        ) revert NotInSignerSet(operator);
        id = _punish(operator, recorded.rollupId, recorded.height, 2);
    }

    /// @notice Evidence kind 3: `operator` signed the checkpoints of `a` and `b`, which conflict, each
    ///         proven by a {Statement} in any of its four forms (alone or aggregate, on the checkpoint or
    ///         on a batch holding it). The offence is the same (operator, rollupId, height) as kinds 1
    ///         and 2 punish: however it is proven, it is punished once.
    /// @param operator The offender.
    /// @param a One statement.
    /// @param b A statement of a conflicting checkpoint.
    /// @return id The offence's id.
    function submitEquivocation(address operator, Statement calldata a, Statement calldata b)
        external
        returns (bytes32 id)
    {
        if (!CheckpointLib.conflicts(a.checkpoint, b.checkpoint)) revert NotConflicting();
        bytes32 keyHash = verifier.operatorKeyHash(operator);
        if (keyHash == bytes32(0)) revert UnknownOperator(operator);
        // The operator's key, read once and only if a statement carries its own signature.
        bytes memory pubkey = a.aggregate && b.aggregate ? bytes("") : verifier.pubkeyOf(keyHash);
        _checkStatement(operator, keyHash, pubkey, a);
        _checkStatement(operator, keyHash, pubkey, b);
        id = _punish(operator, a.checkpoint.rollupId, a.checkpoint.height, 3);
    }

    // ---------------------------------------------------------------------------------------------
    // Veto window
    // ---------------------------------------------------------------------------------------------

    /// @notice Cancels a queued slash during its veto window. The offence stays recorded.
    /// @param id The offence's id.
    function veto(bytes32 id) external {
        if (msg.sender != vetoCommittee) revert OnlyVetoCommittee();
        PendingSlash storage p = slashes[id];
        if (p.status != SlashStatus.Queued) revert NotQueued(id);
        if (block.number >= p.executableAt) revert VetoWindowClosed(p.executableAt);
        p.status = SlashStatus.Vetoed;
        emit SlashVetoed(id);
    }

    /// @notice Executes a queued slash once its veto window has passed. Anyone may call it.
    /// @param id The offence's id.
    function execute(bytes32 id) external {
        PendingSlash storage p = slashes[id];
        if (p.status != SlashStatus.Queued) revert NotQueued(id);
        if (block.number < p.executableAt) revert VetoWindowOpen(p.executableAt);
        p.status = SlashStatus.Executed;
        _slash(id, p.operator, p.rollupId, p.height);
    }

    // ---------------------------------------------------------------------------------------------
    // Configuration and views
    // ---------------------------------------------------------------------------------------------

    /// @notice Queues new slashing parameters: strategies (strictly ascending, as EigenLayer
    ///         requires) and the share of each to slash per offence, in WAD (1e18 = all).
    /// @param strategies_ The strategies to slash, strictly ascending.
    /// @param wadsToSlash_ The share of each to slash per offence (WAD).
    function queueSlashingParams(address[] calldata strategies_, uint256[] calldata wadsToSlash_) external onlyOwner {
        _checkSlashingParams(strategies_, wadsToSlash_);
        _pendingStrategies = strategies_;
        _pendingWadsToSlash = wadsToSlash_;
        _queueChange(SLASHING_PARAMS_CHANGE, keccak256(abi.encode(strategies_, wadsToSlash_)));
        emit SlashingParamsQueued(strategies_, wadsToSlash_);
    }

    /// @notice Applies the queued slashing parameters once due. Anyone may call it.
    function applySlashingParams() external {
        _takeChange(SLASHING_PARAMS_CHANGE);
        _setSlashingParams(_pendingStrategies, _pendingWadsToSlash);
        delete _pendingStrategies;
        delete _pendingWadsToSlash;
    }

    /// @notice The queued slashing parameters and their eta (eta 0: none).
    /// @return strategies_ The queued strategies.
    /// @return wadsToSlash_ The queued shares (WAD).
    /// @return eta The earliest timestamp they apply at (0: nothing queued).
    function pendingSlashingParams()
        external
        view
        returns (address[] memory strategies_, uint256[] memory wadsToSlash_, uint64 eta)
    {
        eta = _pendingChanges[SLASHING_PARAMS_CHANGE].eta;
        if (eta != 0) (strategies_, wadsToSlash_) = (_pendingStrategies, _pendingWadsToSlash);
    }

    /// @notice Queues a new veto configuration: the committee and the window in blocks (0: slash at
    ///         once). Slashes already queued keep their window.
    /// @param committee The veto committee (zero: none).
    /// @param windowBlocks The veto window, in blocks (0: slash at once).
    function queueVetoConfig(address committee, uint32 windowBlocks) external onlyOwner {
        _queueChange(VETO_CONFIG_CHANGE, bytes32(uint256(uint160(committee)) | uint256(windowBlocks) << 160));
    }

    /// @notice Applies the queued veto configuration once due. Anyone may call it.
    function applyVetoConfig() external {
        (address committee, uint32 windowBlocks) = _vetoConfigOf(_takeChange(VETO_CONFIG_CHANGE));
        _setVetoConfig(committee, windowBlocks);
    }

    /// @notice The queued veto configuration and its eta (eta 0: none).
    /// @return committee The queued committee.
    /// @return windowBlocks The queued window, in blocks.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingVetoConfig() external view returns (address committee, uint32 windowBlocks, uint64 eta) {
        PendingChange storage p = _pendingChanges[VETO_CONFIG_CHANGE];
        (committee, windowBlocks) = _vetoConfigOf(p.value);
        eta = p.eta;
    }

    /// @notice The slashing parameters in effect.
    /// @return The strategies slashed.
    /// @return The share of each slashed per offence (WAD).
    function slashingParams() external view returns (address[] memory, uint256[] memory) {
        return (_strategies, _wadsToSlash);
    }

    /// @notice The id of the offence (operator, rollupId, height).
    /// @param operator The offender.
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    /// @return The offence's id.
    function offenceId(address operator, uint64 rollupId, uint64 height) public pure returns (bytes32) {
        return keccak256(abi.encode(operator, rollupId, height));
    }

    /// @notice True iff the offence has been recorded (queued, vetoed or executed).
    /// @param operator The offender.
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    /// @return Whether the offence is recorded.
    function isPunished(address operator, uint64 rollupId, uint64 height) external view returns (bool) {
        return slashes[offenceId(operator, rollupId, height)].status != SlashStatus.None;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _punish(address operator, uint64 rollupId, uint64 height, uint8 kind) internal returns (bytes32 id) {
        id = offenceId(operator, rollupId, height);
        PendingSlash storage p = slashes[id];
        if (p.status != SlashStatus.None) revert AlreadyPunished(id);
        emit OffenceRecorded(id, operator, rollupId, height, kind);
        uint32 window = vetoWindow;
        if (window == 0) {
            slashes[id] =
                PendingSlash(operator, rollupId, height, SafeCast.toUint32(block.number), SlashStatus.Executed);
            _slash(id, operator, rollupId, height);
        } else {
            uint32 executableAt = SafeCast.toUint32(block.number) + window;
            slashes[id] = PendingSlash(operator, rollupId, height, executableAt, SlashStatus.Queued);
            emit SlashQueued(id, executableAt);
        }
    }

    function _slash(bytes32 id, address operator, uint64 rollupId, uint64 height) internal {
        string memory description = string.concat(
            "vigil: conflicting checkpoints, rollup ", Strings.toString(rollupId), " height ", Strings.toString(height)
        );
        // A low-level call: v1.3.0's slashOperator returns nothing, v1.5+'s (slashId, shares), and a
        // high-level call could decode only one of the two.
        (bool ok, bytes memory ret) = address(allocationManager)
            .call(
                abi.encodeCall(
                    IAllocationManager.slashOperator,
                    (avs, SlashingParams(operator, operatorSetId, _strategies, _wadsToSlash, description))
                )
            );
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        emit OperatorSlashed(id, operator, description);
        if (ret.length != 0) {
            (uint256 slashId, uint256[] memory shares) = abi.decode(ret, (uint256, uint256[]));
            emit SlashIdRecorded(id, slashId, shares);
        }
        // The slash lowered the operator's stake: refresh its weight now rather than wait for the
        // aggregator. Best effort: bookkeeping must never block a slash.
        address[] memory ops = new address[](1);
        ops[0] = operator;
        try verifier.updateOperators(ops) {} catch {}
    }

    /// @dev The digest operators sign for `cp` in the verifier's domain.
    function _checkpointDigest(Checkpoint calldata cp) internal view returns (bytes32) {
        return CheckpointLib.digestCalldata(cp, block.chainid, address(verifier), operatorSetId);
    }

    /// @dev Reverts unless `s` proves that `operator` (key `keyHash`, G2 key `pubkey` if `s` is not an
    ///      aggregate) signed s.checkpoint (see {Statement}).
    function _checkStatement(address operator, bytes32 keyHash, bytes memory pubkey, Statement calldata s)
        internal
        view
    {
        BatchHeader calldata h = s.header;
        bytes32 digest;
        uint64 referenceBlock;
        if (h.leafCount == 0) {
            digest = _checkpointDigest(s.checkpoint);
            referenceBlock = s.checkpoint.l1Block;
        } else {
            if (!BatchLib.verifyInclusion(h.root, h.leafCount, BatchLib.leafHashCalldata(s.checkpoint), s.proof)) {
                revert InvalidInclusionProof();
            }
            digest = BatchLib.digestCalldata(h, block.chainid, address(verifier), operatorSetId);
            referenceBlock = h.toL1Block;
        }
        if (referenceBlock >= block.number) revert ReferenceBlockInFuture(referenceBlock);
        if (s.aggregate) {
            // Reverts unless the aggregate is valid for its signer set.
            verifier.checkSignatures(digest, referenceBlock, s.nonSignerPubkeys, s.signature);
            if (!_inSignerSet(operator, keyHash, referenceBlock, s.nonSignerPubkeys)) revert NotInSignerSet(operator);
        } else if (!BLS12381.verify(pubkey, digest, s.signature, BLS12381.DST_SIG)) {
            revert InvalidOperatorSignature();
        }
    }

    /// @dev Member of the set at `l1Block` and not among `nonSigners`.
    function _inSignerSet(address operator, bytes32 keyHash, uint64 l1Block, bytes calldata nonSigners)
        internal
        view
        returns (bool)
    {
        // forge-lint: disable-next-line(unsafe-typecast)
        (bool active,) = verifier.operatorStateAt(operator, uint32(l1Block)); // l1Block was checked < block.number
        if (!active) return false;
        for (uint256 off; off < nonSigners.length; off += 256) {
            if (keccak256(nonSigners[off:off + 256]) == keyHash) return false;
        }
        return true;
    }

    function _checkSlashingParams(address[] memory strategies_, uint256[] memory wads) internal pure {
        if (strategies_.length == 0 || strategies_.length != wads.length) revert InvalidSlashingParams();
        for (uint256 i; i < wads.length; ++i) {
            if (wads[i] == 0 || wads[i] > 1e18) revert InvalidSlashingParams();
            if (i > 0 && strategies_[i - 1] >= strategies_[i]) revert InvalidSlashingParams();
        }
    }

    function _setSlashingParams(address[] memory strategies_, uint256[] memory wads) internal {
        _checkSlashingParams(strategies_, wads);
        _strategies = strategies_;
        _wadsToSlash = wads;
        emit SlashingParamsSet(strategies_, wads);
    }

    function _vetoConfigOf(bytes32 word) internal pure returns (address committee, uint32 windowBlocks) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return (address(uint160(uint256(word))), uint32(uint256(word) >> 160)); // packed by queueVetoConfig
    }

    function _setVetoConfig(address committee, uint32 windowBlocks) internal {
        vetoCommittee = committee;
        vetoWindow = windowBlocks;
        emit VetoConfigSet(committee, windowBlocks);
    }
}
