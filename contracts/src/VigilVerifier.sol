// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilBatchRoots} from "./VigilBatchRoots.sol";
import {VigilRegistrar} from "./VigilRegistrar.sol";
import {IAllocationManager} from "./interfaces/IAllocationManager.sol";
import {IVigilCheckpoints} from "./interfaces/IVigilCheckpoints.sol";
import {BLS12381} from "./libraries/BLS12381.sol";
import {BatchHeader, BatchLib, InclusionProof} from "./libraries/BatchLib.sol";
import {Checkpoint, CheckpointLib} from "./libraries/CheckpointLib.sol";

/// @notice A checkpoint with the aggregate signature of everyone in the set at `checkpoint.l1Block`
///         except the non-signers.
/// @param checkpoint The signed checkpoint.
/// @param nonSignerPubkeys The non-signers' G2 keys (256 bytes each), concatenated, in strictly
///        ascending order of keccak256(key).
/// @param signature The aggregate G1 signature (128 bytes) under BLS12381.DST_SIG of the digest.
struct Certificate {
    Checkpoint checkpoint;
    bytes nonSignerPubkeys;
    bytes signature;
}

/// @notice A batch header (VIGIL_BATCH_V1, see {BatchLib}) with the aggregate signature of everyone in
///         the set at `header.toL1Block` except the non-signers.
/// @param header The signed batch header.
/// @param nonSignerPubkeys The non-signers' G2 keys (256 bytes each), concatenated, in strictly
///        ascending order of keccak256(key).
/// @param signature The aggregate G1 signature (128 bytes) under BLS12381.DST_SIG of the batch digest.
struct BatchCertificate {
    BatchHeader header;
    bytes nonSignerPubkeys;
    bytes signature;
}

/// @title VigilVerifier
/// @notice Verifies and records certificates for rollup checkpoints, and is Vigil's registrar (see
///         {VigilRegistrar}). It defines the signing domain: (block.chainid, address(this), operatorSetId).
/// @dev Gas (forge's measure of the call through the proxy, osaka, cold storage; test/VigilGas.t.sol):
///      verifyCertificate 135,781 with no non-signer, +6,200 per non-signer; submitCertificate 230,083
///      with no non-signer (it adds the 4-word record and the event). Of the 135k, 103k is the pairing,
///      15.6k hashing to G1 and 7.1k the proxy; the rest is one SLOAD (the {Hot} slot), one EXTCODECOPY
///      (the apk) and calldata handling. A batch of any size costs the same to verify (136,046) and
///      less to record (191,273: a one-word record and the non-signers' hash, written in
///      {VigilBatchRoots}, where a rollup checks inclusion for 7,246 gas at 100 checkpoints).
///
///      Runs behind a TransparentUpgradeableProxy ({VigilGoverned}); the signing domain is the proxy's
///      address, which upgrades keep. Code size: 23.8 KB (23,841 bytes) of EIP-170's 24,576 at 200
///      optimizer runs.
contract VigilVerifier is VigilRegistrar, IVigilCheckpoints {
    /// @notice What is kept of the first valid certificate of a (rollupId, height).
    struct Record {
        bytes32 blockId; // keccak256(blockHash, stateRoot): what a conflict is judged on
        bytes32 digest; // the exact signed checkpoint
        bytes32 nonSignersHash; // keccak256(nonSignerPubkeys): lets evidence name the signer set
        uint64 l1Block;
        uint96 signedWeight;
        uint96 totalWeight;
    }

    /// @notice A threshold outside 1..10,000 basis points (0 allowed for a rollup: back to the default).
    /// @param bps The refused threshold.
    error InvalidThreshold(uint256 bps);
    /// @notice The checkpoint's l1Block is not yet in the past.
    /// @param l1Block The checkpoint's l1Block.
    error L1BlockInFuture(uint64 l1Block);
    /// @notice The checkpoint's l1Block is older than {maxCertificateAge} blocks.
    /// @param l1Block The checkpoint's l1Block.
    /// @param maxAge The maximum age, in blocks.
    error L1BlockTooOld(uint64 l1Block, uint256 maxAge);
    /// @notice The aggregate signature is not a 128-byte EIP-2537 G1 point.
    error InvalidSignatureLength();
    /// @notice The non-signers are not a whole number of 256-byte EIP-2537 G2 keys.
    error InvalidNonSignersLength();
    /// @notice The non-signers are not strictly ascending by key hash.
    error NonSignersNotSorted();
    /// @notice A non-signer was not in the set at the checkpoint's l1Block.
    /// @param keyHash The non-signer's key hash.
    error NonSignerNotInSet(bytes32 keyHash);
    /// @notice The set had no weight at the checkpoint's l1Block.
    error EmptySet();
    /// @notice Every member of the set is a non-signer.
    error EmptySignerSet();
    /// @notice The aggregate signature does not verify.
    error InvalidSignature();
    /// @notice The signers' weight is below the threshold.
    /// @param signedWeight The signers' weight.
    /// @param totalWeight The set's total weight.
    /// @param thresholdBps The threshold, in basis points.
    error InsufficientStake(uint256 signedWeight, uint256 totalWeight, uint256 thresholdBps);
    /// @notice A batch header with leafCount 0.
    error EmptyBatch();
    /// @notice A batch certificate before {attachBatchRoots}, or a second or foreign attachment.
    error BatchRootsNotAttached();
    /// @notice A batch header whose fromL1Block is after its toL1Block.
    /// @param fromL1Block The header's fromL1Block.
    /// @param toL1Block The header's toL1Block.
    error InvalidBatchRange(uint64 fromL1Block, uint64 toL1Block);
    /// @notice Another block is recorded for (rollupId, height): evidence for the slasher, not a certificate.
    /// @param recordedBlockId The recorded block id (keccak256 of blockHash, stateRoot).
    /// @param givenBlockId The given block id.
    error ConflictingCheckpoint(bytes32 recordedBlockId, bytes32 givenBlockId);

    /// @notice A certificate was verified and its checkpoint recorded.
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    /// @param digest The signed digest.
    /// @param blockHash The L2 block hash.
    /// @param stateRoot The L2 state root.
    /// @param daCommitment The data-availability commitment.
    /// @param l1Block The L1 block whose operator set signed.
    /// @param signedWeight The signers' weight.
    /// @param totalWeight The set's total weight.
    event CheckpointCertified(
        uint64 indexed rollupId,
        uint64 indexed height,
        bytes32 digest,
        bytes32 blockHash,
        bytes32 stateRoot,
        bytes32 daCommitment,
        uint64 l1Block,
        uint96 signedWeight,
        uint96 totalWeight
    );
    /// @notice A batch certificate was verified and its root recorded.
    /// @param root The batch's Merkle root.
    /// @param digest The signed batch digest.
    /// @param leafCount The number of checkpoints in the batch.
    /// @param fromL1Block The header's fromL1Block.
    /// @param toL1Block The L1 block whose operator set signed.
    /// @param signedWeight The signers' weight.
    /// @param totalWeight The set's total weight.
    event BatchCertified(
        bytes32 indexed root,
        bytes32 digest,
        uint32 leafCount,
        uint64 fromL1Block,
        uint64 toL1Block,
        uint96 signedWeight,
        uint96 totalWeight
    );
    /// @notice The default threshold changed.
    /// @param bps The threshold, in basis points.
    event DefaultThresholdSet(uint16 bps);
    /// @notice Batch roots are recorded in `roots` from now on.
    /// @param roots The VigilBatchRoots.
    event BatchRootsAttached(address roots);
    /// @notice Rollup `rollupId`'s threshold changed.
    /// @param rollupId The rollup.
    /// @param bps The threshold, in basis points (0: the default).
    event RollupThresholdSet(uint64 indexed rollupId, uint16 bps);
    /// @notice The maximum certificate age changed.
    /// @param blocks The maximum age, in blocks.
    event MaxCertificateAgeSet(uint32 blocks);

    /// @notice The initial default threshold, in basis points (two thirds).
    uint16 public constant DEFAULT_THRESHOLD_BPS = 6667;
    /// @notice Change id (see {VigilGoverned}) of the default threshold.
    bytes32 public constant DEFAULT_THRESHOLD_CHANGE = keccak256("vigil.defaultThreshold");
    /// @notice Change id of the maximum certificate age.
    bytes32 public constant MAX_CERTIFICATE_AGE_CHANGE = keccak256("vigil.maxCertificateAge");

    /// @notice Per-rollup threshold in basis points; 0 means the default.
    mapping(uint64 => uint16) public rollupThresholdBps;
    mapping(uint64 => mapping(uint64 => Record)) internal _records;
    /// @notice Where batch roots are recorded and rollups check inclusion ({IVigilBatchCheckpoints});
    ///         zero until attached ({attachBatchRoots}), and batch certificates are refused until then.
    /// @dev Added with batch certificates: it takes the first slot of what was `uint256[48] __gap`,
    ///      which shrank to 47, so no slot after it moved and a proxy upgraded from the version before
    ///      keeps its state (the slot it takes was never written).
    VigilBatchRoots public batchRoots;

    uint256[47] private __gap;

    /// @dev The implementation: immutables only. Proxies are set up with {initialize}.
    constructor(IAllocationManager allocationManager_, address avs_, uint32 operatorSetId_)
        VigilRegistrar(allocationManager_, avs_, operatorSetId_)
    {}

    /// @notice Sets up a proxy: owner, governance delay (seconds), the empty set's snapshot 0 at
    ///         this block, the default threshold and `maxCertificateAge_` (blocks).
    /// @param owner_ The owner (governance).
    /// @param maxCertificateAge_ The maximum age of a certificate's l1Block, in blocks.
    /// @param governanceDelay_ Seconds between queueing a parameter change and its earliest application.
    function initialize(address owner_, uint32 maxCertificateAge_, uint64 governanceDelay_) external initializer {
        __VigilRegistrar_init(owner_, governanceDelay_);
        _hot.defaultThresholdBps = DEFAULT_THRESHOLD_BPS;
        _hot.maxCertificateAge = maxCertificateAge_;
        emit DefaultThresholdSet(DEFAULT_THRESHOLD_BPS);
        emit MaxCertificateAgeSet(maxCertificateAge_);
    }

    // ---------------------------------------------------------------------------------------------
    // Certificates
    // ---------------------------------------------------------------------------------------------

    /// @notice Checks `cert` completely (age, non-signers, threshold, signature) without recording it.
    ///         Reverts with the reason if it is not valid.
    /// @param cert The certificate.
    /// @return signedWeight The signers' weight.
    /// @return totalWeight The set's total weight.
    function verifyCertificate(Certificate calldata cert)
        public
        view
        returns (uint96 signedWeight, uint96 totalWeight)
    {
        Hot memory hot = _loadHot();
        Checkpoint calldata cp = cert.checkpoint;
        uint64 l1Block = cp.l1Block;
        _checkAge(l1Block, hot);
        bytes32 digest = CheckpointLib.digestCalldata(cp, block.chainid, address(this), operatorSetId);
        (signedWeight, totalWeight) = _checkSignatures(digest, l1Block, cert.nonSignerPubkeys, cert.signature, hot);
        _checkThreshold(signedWeight, totalWeight, _thresholdBps(cp.rollupId, hot));
    }

    /// @notice Verifies `cert` and records its checkpoint if it is the first for (rollupId, height).
    ///         The same block again (even with another daCommitment or l1Block) is a no-op returning
    ///         false; a conflicting block is refused (it is evidence for the slasher, not a certificate).
    /// @param cert The certificate.
    /// @return recorded Whether the checkpoint was recorded now.
    function submitCertificate(Certificate calldata cert) external returns (bool recorded) {
        (uint96 signedWeight, uint96 totalWeight) = verifyCertificate(cert);
        Checkpoint calldata cp = cert.checkpoint;
        Record storage r = _records[cp.rollupId][cp.height];
        bytes32 blockId = _blockId(cp.blockHash, cp.stateRoot);
        bytes32 recorded_ = r.blockId;
        if (recorded_ != bytes32(0)) {
            if (recorded_ != blockId) revert ConflictingCheckpoint(recorded_, blockId);
            return false;
        }
        bytes32 digest = CheckpointLib.digestCalldata(cp, block.chainid, address(this), operatorSetId);
        r.blockId = blockId;
        r.digest = digest;
        r.nonSignersHash = keccak256(cert.nonSignerPubkeys);
        r.l1Block = cp.l1Block;
        r.signedWeight = signedWeight;
        r.totalWeight = totalWeight;
        emit CheckpointCertified(
            cp.rollupId,
            cp.height,
            digest,
            cp.blockHash,
            cp.stateRoot,
            cp.daCommitment,
            cp.l1Block,
            signedWeight,
            totalWeight
        );
        return true;
    }

    /// @notice Checks that `signature` is the aggregate signature on `digest` of everyone in the set at
    ///         `referenceBlock` except `nonSignerPubkeys`, with no age or threshold rule: what the
    ///         slasher needs to attribute an aggregate (on a checkpoint digest with its l1Block, or on a
    ///         batch digest with its toL1Block) to its signer set. Reverts with the reason if it fails.
    /// @param digest The signed digest ({checkpointDigest} or {batchDigest}).
    /// @param referenceBlock The stake reference block (< block.number).
    /// @param nonSignerPubkeys The non-signers' EIP-2537 G2 keys, ascending by key hash.
    /// @param signature The aggregate signature (EIP-2537 G1).
    /// @return signedWeight The signers' weight.
    /// @return totalWeight The set's total weight.
    function checkSignatures(
        bytes32 digest,
        uint64 referenceBlock,
        bytes calldata nonSignerPubkeys,
        bytes calldata signature
    ) external view returns (uint96 signedWeight, uint96 totalWeight) {
        return _checkSignatures(digest, referenceBlock, nonSignerPubkeys, signature, _loadHot());
    }

    // ---------------------------------------------------------------------------------------------
    // Batch certificates (VIGIL_BATCH_V1)
    // ---------------------------------------------------------------------------------------------

    /// @notice Checks `cert` completely (header, age of toL1Block, non-signers, the default threshold,
    ///         signature) without recording it. Reverts with the reason if it is not valid. Per-rollup
    ///         thresholds apply when a checkpoint is looked up ({isCertifiedInBatch}), not here.
    /// @param cert The batch certificate.
    /// @return signedWeight The signers' weight at header.toL1Block.
    /// @return totalWeight The set's total weight at header.toL1Block.
    function verifyBatchCertificate(BatchCertificate calldata cert)
        public
        view
        returns (uint96 signedWeight, uint96 totalWeight)
    {
        (, signedWeight, totalWeight) = _verifyBatch(cert);
    }

    /// @notice Verifies `cert` and records its root if no certificate of that root was recorded yet;
    ///         a root already recorded is a no-op returning false.
    /// @param cert The batch certificate.
    /// @return recorded Whether the root was recorded now.
    function submitBatchCertificate(BatchCertificate calldata cert) external returns (bool recorded) {
        VigilBatchRoots roots = batchRoots;
        if (address(roots) == address(0)) revert BatchRootsNotAttached();
        (bytes32 digest, uint96 signedWeight, uint96 totalWeight) = _verifyBatch(cert);
        BatchHeader calldata h = cert.header;
        bytes32 root = h.root;
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 toL1Block = uint32(h.toL1Block); // lossless: checked < block.number
        if (!roots.record(
                root,
                VigilBatchRoots.Root(h.leafCount, toL1Block, signedWeight, totalWeight),
                keccak256(cert.nonSignerPubkeys)
            )) return false;
        emit BatchCertified(root, digest, h.leafCount, h.fromL1Block, h.toL1Block, signedWeight, totalWeight);
        return true;
    }

    /// @notice The digest operators sign for `header` in this verifier's domain.
    /// @param header The batch header.
    /// @return The digest.
    function batchDigest(BatchHeader calldata header) external view returns (bytes32) {
        return BatchLib.digestCalldata(header, block.chainid, address(this), operatorSetId);
    }

    /// @notice The digest operators sign for `cp` in this verifier's domain.
    /// @param cp The checkpoint.
    /// @return The digest.
    function checkpointDigest(Checkpoint calldata cp) external view returns (bytes32) {
        return CheckpointLib.digestCalldata(cp, block.chainid, address(this), operatorSetId);
    }

    /// @notice The record of (rollupId, height); blockId is zero if none.
    /// @param rollupId The rollup.
    /// @param height The L2 block height.
    /// @return The record.
    function record(uint64 rollupId, uint64 height) external view returns (Record memory) {
        return _records[rollupId][height];
    }

    // ---------------------------------------------------------------------------------------------
    // IVigilCheckpoints
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IVigilCheckpoints
    function isCertified(Checkpoint calldata cp) public view returns (bool) {
        bytes32 d = _records[cp.rollupId][cp.height].digest;
        return d != bytes32(0) && d == CheckpointLib.digestCalldata(cp, block.chainid, address(this), operatorSetId);
    }

    /// @inheritdoc IVigilCheckpoints
    function isBlockCertified(uint64 rollupId, uint64 height, bytes32 blockHash, bytes32 stateRoot)
        external
        view
        returns (bool)
    {
        bytes32 id = _records[rollupId][height].blockId;
        return id != bytes32(0) && id == _blockId(blockHash, stateRoot);
    }

    /// @inheritdoc IVigilCheckpoints
    function certifiedStake(Checkpoint calldata cp) external view returns (uint256 signedWeight, uint256 totalWeight) {
        if (!isCertified(cp)) return (0, 0);
        Record storage r = _records[cp.rollupId][cp.height];
        return (r.signedWeight, r.totalWeight);
    }

    // ---------------------------------------------------------------------------------------------
    // Configuration
    // ---------------------------------------------------------------------------------------------

    /// @notice The default threshold, in basis points of the total weight.
    /// @return The threshold, in basis points.
    function defaultThresholdBps() external view returns (uint16) {
        return _hot.defaultThresholdBps;
    }

    /// @notice The maximum age of a certificate's l1Block, in blocks.
    /// @return The maximum age, in blocks.
    function maxCertificateAge() external view returns (uint32) {
        return _hot.maxCertificateAge;
    }

    /// @notice The change id of rollup `rollupId`'s threshold.
    /// @param rollupId The rollup.
    /// @return The change id.
    function rollupThresholdChangeId(uint64 rollupId) public pure returns (bytes32) {
        return keccak256(abi.encode("vigil.rollupThreshold", rollupId));
    }

    /// @notice Queues a new default threshold (basis points, 1..10,000), applicable after
    ///         {governanceDelay}.
    /// @param bps The threshold, in basis points.
    function queueDefaultThreshold(uint16 bps) external onlyOwner {
        if (bps == 0 || bps > 10_000) revert InvalidThreshold(bps);
        _queueChange(DEFAULT_THRESHOLD_CHANGE, bytes32(uint256(bps)));
    }

    /// @notice Applies the queued default threshold once due. Anyone may call it.
    function applyDefaultThreshold() external {
        uint16 bps = uint16(uint256(_takeChange(DEFAULT_THRESHOLD_CHANGE)));
        _hot.defaultThresholdBps = bps;
        VigilBatchRoots roots = batchRoots;
        if (address(roots) != address(0)) roots.setDefaultThreshold(bps);
        emit DefaultThresholdSet(bps);
    }

    /// @notice The queued default threshold and its eta (eta 0: none).
    /// @return bps The queued threshold, in basis points.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingDefaultThreshold() external view returns (uint16 bps, uint64 eta) {
        PendingChange storage p = _pendingChanges[DEFAULT_THRESHOLD_CHANGE];
        return (uint16(uint256(p.value)), p.eta);
    }

    /// @notice Queues rollup `rollupId`'s threshold (basis points; 0 returns it to the default).
    /// @param rollupId The rollup.
    /// @param bps The threshold, in basis points (0: the default).
    function queueRollupThreshold(uint64 rollupId, uint16 bps) external onlyOwner {
        if (bps > 10_000) revert InvalidThreshold(bps);
        _queueChange(rollupThresholdChangeId(rollupId), bytes32(uint256(bps)));
    }

    /// @notice Applies rollup `rollupId`'s queued threshold once due. Anyone may call it.
    /// @param rollupId The rollup.
    function applyRollupThreshold(uint64 rollupId) external {
        uint16 bps = uint16(uint256(_takeChange(rollupThresholdChangeId(rollupId))));
        rollupThresholdBps[rollupId] = bps;
        if (bps != 0) _hot.rollupThresholdsSet = true;
        syncRollupThreshold(rollupId);
        emit RollupThresholdSet(rollupId, bps);
    }

    /// @notice Copies rollup `rollupId`'s threshold to {batchRoots} (a no-op until attached). Called on
    ///         every change; anyone may call it for a threshold set before the roots were attached.
    /// @param rollupId The rollup.
    function syncRollupThreshold(uint64 rollupId) public {
        VigilBatchRoots roots = batchRoots;
        if (address(roots) != address(0)) roots.setRollupThreshold(rollupId, rollupThresholdBps[rollupId]);
    }

    /// @notice Attaches `roots` (deployed for this verifier) as where batch roots are recorded, once,
    ///         and copies the default threshold to it. Rollup thresholds already set are copied with
    ///         {syncRollupThreshold}.
    /// @param roots The VigilBatchRoots whose verifier is this contract.
    function attachBatchRoots(VigilBatchRoots roots) external onlyOwner {
        if (address(batchRoots) != address(0) || roots.verifier() != address(this)) revert BatchRootsNotAttached();
        batchRoots = roots;
        roots.setDefaultThreshold(_hot.defaultThresholdBps);
        emit BatchRootsAttached(address(roots));
    }

    /// @notice Rollup `rollupId`'s queued threshold and its eta (eta 0: none).
    /// @param rollupId The rollup.
    /// @return bps The queued threshold, in basis points.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingRollupThreshold(uint64 rollupId) external view returns (uint16 bps, uint64 eta) {
        PendingChange storage p = _pendingChanges[rollupThresholdChangeId(rollupId)];
        return (uint16(uint256(p.value)), p.eta);
    }

    /// @notice Queues a new maximum certificate age, in blocks.
    /// @param blocks The maximum age, in blocks.
    function queueMaxCertificateAge(uint32 blocks) external onlyOwner {
        _queueChange(MAX_CERTIFICATE_AGE_CHANGE, bytes32(uint256(blocks)));
    }

    /// @notice Applies the queued maximum certificate age once due. Anyone may call it.
    function applyMaxCertificateAge() external {
        uint32 blocks = uint32(uint256(_takeChange(MAX_CERTIFICATE_AGE_CHANGE)));
        _hot.maxCertificateAge = blocks;
        emit MaxCertificateAgeSet(blocks);
    }

    /// @notice The queued maximum certificate age and its eta (eta 0: none).
    /// @return blocks The queued maximum age, in blocks.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingMaxCertificateAge() external view returns (uint32 blocks, uint64 eta) {
        PendingChange storage p = _pendingChanges[MAX_CERTIFICATE_AGE_CHANGE];
        return (uint32(uint256(p.value)), p.eta);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _blockId(bytes32 blockHash, bytes32 stateRoot) internal pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0, blockHash)
            mstore(0x20, stateRoot)
            id := keccak256(0, 0x40)
        }
    }

    /// @dev The batch checks of {verifyBatchCertificate}, also returning the digest.
    function _verifyBatch(BatchCertificate calldata cert)
        internal
        view
        returns (bytes32 digest, uint96 signedWeight, uint96 totalWeight)
    {
        Hot memory hot = _loadHot();
        BatchHeader calldata h = cert.header;
        uint64 toL1Block = h.toL1Block;
        if (h.leafCount == 0) revert EmptyBatch();
        if (h.fromL1Block > toL1Block) revert InvalidBatchRange(h.fromL1Block, toL1Block);
        _checkAge(toL1Block, hot);
        digest = BatchLib.digestCalldata(h, block.chainid, address(this), operatorSetId);
        (signedWeight, totalWeight) = _checkSignatures(digest, toL1Block, cert.nonSignerPubkeys, cert.signature, hot);
        _checkThreshold(signedWeight, totalWeight, hot.defaultThresholdBps);
    }

    /// @dev A certificate's reference block must be in the past and at most maxCertificateAge old.
    function _checkAge(uint64 l1Block, Hot memory hot) internal view {
        if (l1Block >= block.number) revert L1BlockInFuture(l1Block);
        if (block.number - l1Block > hot.maxCertificateAge) revert L1BlockTooOld(l1Block, hot.maxCertificateAge);
    }

    /// @dev Rollup `rollupId`'s threshold if it has one, else the default.
    function _thresholdBps(uint64 rollupId, Hot memory hot) internal view returns (uint256 bps) {
        bps = hot.rollupThresholdsSet ? rollupThresholdBps[rollupId] : 0;
        if (bps == 0) bps = hot.defaultThresholdBps;
    }

    function _meetsThreshold(uint96 signedWeight, uint96 totalWeight, uint256 bps) internal pure returns (bool) {
        return uint256(signedWeight) * 10_000 >= bps * uint256(totalWeight);
    }

    function _checkThreshold(uint96 signedWeight, uint96 totalWeight, uint256 bps) internal pure {
        if (!_meetsThreshold(signedWeight, totalWeight, bps)) revert InsufficientStake(signedWeight, totalWeight, bps);
    }

    /// @dev Checks that `signature` is the aggregate signature of `digest` by everyone in the set at
    ///      `l1Block` except `nonSignerPubkeys`: the one signature check of single and batch
    ///      certificates. The pairing input is assembled in one buffer: sig ‖ -g2 ‖ H(m) ‖ apk_signers,
    ///      where apk_signers = apk(l1Block) - Σ non-signer keys is computed in place.
    function _checkSignatures(
        bytes32 digest,
        uint64 l1Block,
        bytes calldata nonSignerPubkeys,
        bytes calldata signature,
        Hot memory hot
    ) internal view returns (uint96 signedWeight, uint96 totalWeight) {
        if (l1Block >= block.number) revert L1BlockInFuture(l1Block);
        if (nonSignerPubkeys.length % 256 != 0) revert InvalidNonSignersLength();

        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 refBlock = uint32(l1Block); // lossless: l1Block < block.number, and snapshots store uint32 blocks
        SetSnapshot memory s = _setSnapshotAt(refBlock, hot);
        totalWeight = s.totalWeight;
        if (totalWeight == 0) revert EmptySet();

        bytes memory input = _pairingInput(signature, s.apkIndex);
        uint256 data;
        assembly ("memory-safe") {
            data := add(input, 32)
        }
        signedWeight = totalWeight - _subtractNonSigners(nonSignerPubkeys, refBlock, data + 512);
        if (signedWeight == 0) revert EmptySignerSet();

        BLS12381.hashDigestToG1At(digest, BLS12381.DST_SIG, data + 384);
        if (!BLS12381.pairingCheck(input)) revert InvalidSignature();
    }

    /// @dev sig ‖ -g2 ‖ (H(m), left blank) ‖ apk, with the signature checked for length and identity.
    function _pairingInput(bytes calldata signature, uint32 apkIndex) internal view returns (bytes memory input) {
        if (signature.length != 128) revert InvalidSignatureLength();
        input = new bytes(768);
        bytes memory negG2 = BLS12381.NEG_G2_GENERATOR;
        uint256 data;
        bool sigZero;
        assembly ("memory-safe") {
            data := add(input, 32)
            calldatacopy(data, signature.offset, 128)
            sigZero := iszero(or(or(mload(data), mload(add(data, 32))), or(mload(add(data, 64)), mload(add(data, 96)))))
            mcopy(add(data, 128), add(negG2, 32), 256)
        }
        if (sigZero) revert InvalidSignature();
        _copyApk(apkIndex, data + 512);
    }

    /// @dev Checks each non-signer (registered, active at l1Block, keys strictly ascending by hash),
    ///      sums their weights, and subtracts the sum of their keys from the apk at `apkPtr`.
    function _subtractNonSigners(bytes calldata keys, uint32 l1Block, uint256 apkPtr)
        internal
        view
        returns (uint96 weight)
    {
        uint256 n = keys.length / 256;
        if (n == 0) return 0;
        // sum lives at `acc`; G2ADD reads acc ‖ key from `buf` and writes back to acc.
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, 512))
        }
        bytes32 prev;
        for (uint256 i; i < n; ++i) {
            bytes32 keyHash;
            assembly ("memory-safe") {
                let dest := add(buf, 256)
                if iszero(i) { dest := buf }
                calldatacopy(dest, add(keys.offset, mul(i, 256)), 256)
                keyHash := keccak256(dest, 256)
            }
            if (keyHash <= prev) revert NonSignersNotSorted();
            prev = keyHash;
            KeySnapshot memory k = _keySnapshotAt(keyHash, _keys[keyHash].historyLength, l1Block);
            if (!k.active) revert NonSignerNotInSet(keyHash);
            weight += k.weight;
            if (i > 0) _g2AddInPlace(buf);
        }
        // apk += -sum
        _negateG2At(buf);
        assembly ("memory-safe") {
            mcopy(add(buf, 256), apkPtr, 256)
        }
        bool ok;
        assembly ("memory-safe") {
            ok := and(eq(returndatasize(), 256), staticcall(gas(), 0x0d, buf, 512, apkPtr, 256))
        }
        if (!ok) revert BLS12381.PrecompileFailed(BLS12381.G2ADD);
    }

    /// @dev buf[0:256] = buf[0:256] + buf[256:512] in G2.
    function _g2AddInPlace(uint256 buf) internal view {
        bool ok;
        assembly ("memory-safe") {
            ok := and(eq(returndatasize(), 256), staticcall(gas(), 0x0d, buf, 512, buf, 256))
        }
        if (!ok) revert BLS12381.PrecompileFailed(BLS12381.G2ADD);
    }

    /// @dev Negates the G2 point at `ptr` in place (y.c0 and y.c1 become p - y, zero stays zero).
    function _negateG2At(uint256 ptr) internal pure {
        uint256 pHi = BLS12381.P_HI;
        uint256 pLo = BLS12381.P_LO;
        assembly ("memory-safe") {
            for { let q := add(ptr, 128) } lt(q, add(ptr, 256)) { q := add(q, 64) } {
                let hi := mload(q)
                let lo := mload(add(q, 32))
                if or(hi, lo) {
                    mstore(q, sub(sub(pHi, hi), gt(lo, pLo)))
                    mstore(add(q, 32), sub(pLo, lo))
                }
            }
        }
    }
}
