// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {VigilGoverned} from "./VigilGoverned.sol";
import {IAVSRegistrar} from "./interfaces/IAVSRegistrar.sol";
import {IAllocationManager, OperatorSet} from "./interfaces/IAllocationManager.sol";
import {BLS12381} from "./libraries/BLS12381.sol";
import {CheckpointLib} from "./libraries/CheckpointLib.sol";

/// @title VigilRegistrar
/// @notice Vigil's registrar for EigenLayer's AllocationManager: operators register for Vigil's
///         operator set with a BLS12-381 G2 public key and a proof of possession bound to their address.
///         It keeps, with per-block history, each key's membership and weight and the set's aggregate
///         public key (apk) and total weight, which the verifier reads at a certificate's `l1Block`.
/// @dev Abstract: {VigilVerifier} is the deployed contract. Registry and verifier share one contract so
///      that a certificate check reads the apk and weights with plain SLOADs rather than cross-contract
///      calls, which is what keeps it under 130k gas.
///
///      Storage design, for the verifier's hot path:
///      - history is keyed by key hash (keccak256 of the 256-byte G2 key), which is what a certificate
///        names for each non-signer, so one non-signer costs two SLOADs (key info, snapshot);
///      - an apk costs 8 storage words (16.8k gas cold), so each new apk is written once as the code of a
///        small data contract (SSTORE2) and read with one EXTCODECOPY (2.6k). Only this contract creates
///        contracts, so the n-th apk lives at the CREATE address for nonce n + 1 and needs no pointer;
///        {_writeApk} checks that.
///      - the latest set snapshot, the counters and the verifier's age and threshold defaults share one
///        slot ({Hot}), so a certificate at or after the latest snapshot reads one storage word.
///
///      Weights: an operator's weight is sum over configured strategies of
///      getMinimumSlashableStake(set, operator, strategy, now) * multiplier / 1e18. They are read at
///      registration and whenever anyone calls {updateOperators}; the latest value of each block is kept.
abstract contract VigilRegistrar is IAVSRegistrar, VigilGoverned {
    /// @notice A key's owner and the number of its history entries.
    struct KeyInfo {
        address operator;
        uint32 historyLength;
    }

    /// @notice A key's membership and weight from `blockNumber` on.
    struct KeySnapshot {
        uint32 blockNumber;
        bool active;
        uint96 weight;
    }

    /// @notice The set's apk (by index) and total weight from `blockNumber` on.
    struct SetSnapshot {
        uint32 blockNumber;
        uint32 apkIndex;
        uint96 totalWeight;
    }

    /// @notice A strategy counted in operator weights and its multiplier (1e18 = 1x).
    struct StrategyParams {
        address strategy;
        uint96 multiplier;
    }

    /// @dev Everything a certificate check reads in the common case (l1Block at or after the latest
    ///      set snapshot), in one slot: the counters, the latest snapshot (whose apk is always the
    ///      newest, index apkCount - 1) and the verifier's defaults.
    struct Hot {
        uint32 setHistoryLength;
        uint32 apkCount;
        uint32 latestBlock;
        uint96 latestTotalWeight;
        uint32 maxCertificateAge;
        uint16 defaultThresholdBps;
        bool rollupThresholdsSet; // lets the common case skip the per-rollup threshold SLOAD
    }

    /// @notice A registrar callback came from another caller than EigenLayer's AllocationManager.
    error OnlyAllocationManager();
    /// @notice The callback names another AVS than Vigil's service manager.
    /// @param avs The AVS named.
    error UnsupportedAVS(address avs);
    /// @notice The callback names operator sets other than exactly Vigil's one.
    error UnsupportedOperatorSets();
    /// @notice Registration data is not a 256-byte G2 key followed by a 128-byte G1 proof of possession.
    error InvalidRegistrationData();
    /// @notice The key is the G2 identity (point at infinity).
    error IdentityKey();
    /// @notice The key belongs to another operator.
    /// @param keyHash keccak256 of the key's EIP-2537 encoding.
    /// @param owner The operator that registered it.
    error KeyAlreadyRegistered(bytes32 keyHash, address owner);
    /// @notice The operator registered another key before; keys are fixed per operator.
    /// @param registered The hash of the operator's key.
    /// @param given The hash of the key given now.
    error OperatorKeyMismatch(bytes32 registered, bytes32 given);
    /// @notice The proof of possession does not verify for the key and operator.
    error InvalidProofOfPossession();
    /// @notice The operator is already in the set.
    /// @param operator The operator.
    error AlreadyRegistered(address operator);
    /// @notice The operator is not in the set.
    /// @param operator The operator.
    error NotRegistered(address operator);
    /// @notice No set snapshot exists at or before `blockNumber`.
    /// @param blockNumber The block asked about.
    error NoSnapshotAt(uint256 blockNumber);
    /// @notice No operator registered the key.
    /// @param keyHash keccak256 of the key's EIP-2537 encoding.
    error UnknownKey(bytes32 keyHash);
    /// @notice Storing an aggregate public key (as a contract's code) failed, or its index is out of order.
    error ApkStorageFailed();
    /// @notice A strategy's multiplier is zero.
    error InvalidMultiplier();

    /// @notice `operator` registered the BLS key `pubkey`.
    /// @param operator The operator.
    /// @param keyHash keccak256 of `pubkey`.
    /// @param pubkey The G2 key, EIP-2537 encoded (256 bytes).
    event KeyRegistered(address indexed operator, bytes32 indexed keyHash, bytes pubkey);
    /// @notice `operator` joined the set with `weight`.
    /// @param operator The operator.
    /// @param keyHash Its key's hash.
    /// @param weight Its weight at registration.
    event OperatorRegistered(address indexed operator, bytes32 indexed keyHash, uint96 weight);
    /// @notice `operator` left the set.
    /// @param operator The operator.
    /// @param keyHash Its key's hash.
    event OperatorDeregistered(address indexed operator, bytes32 indexed keyHash);
    /// @notice `operator`'s recorded weight changed.
    /// @param operator The operator.
    /// @param oldWeight The weight recorded before.
    /// @param newWeight The weight recorded now.
    event OperatorWeightUpdated(address indexed operator, uint96 oldWeight, uint96 newWeight);
    /// @notice The set's state (aggregate key, total weight) was recorded for `blockNumber`.
    /// @param blockNumber The block the snapshot holds from.
    /// @param apkIndex Index of its aggregate public key.
    /// @param totalWeight The set's total weight.
    event SetSnapshotWritten(uint32 indexed blockNumber, uint32 apkIndex, uint96 totalWeight);
    /// @notice The strategies counted in weights, and their multipliers, changed.
    /// @param strategies The new strategies and multipliers.
    event StrategiesSet(StrategyParams[] strategies);

    /// @notice EigenLayer's AllocationManager: the only caller of the registrar callbacks.
    IAllocationManager public immutable allocationManager;
    /// @notice The AVS (Vigil's service manager) whose operator set this registrar serves.
    address public immutable avs;
    /// @notice Vigil's operator set id within the AVS.
    uint32 public immutable operatorSetId;

    /// @notice Registered key hash of each operator (zero if never registered). Fixed forever.
    mapping(address => bytes32) public operatorKeyHash;

    Hot internal _hot;
    mapping(bytes32 => KeyInfo) internal _keys;
    mapping(bytes32 => mapping(uint256 => KeySnapshot)) internal _keyHistory;
    mapping(uint256 => SetSnapshot) internal _setHistory;
    mapping(bytes32 => bytes) internal _pubkeys;
    StrategyParams[] internal _strategies;
    address[] internal _members;
    mapping(address => uint256) internal _memberIndexPlusOne;
    /// @dev Every operator that ever registered, in order of first registration; never shrinks, so
    ///      {membersAt} can answer for any past block from current state.
    address[] internal _everRegistered;

    uint256[40] private __gap;

    constructor(IAllocationManager allocationManager_, address avs_, uint32 operatorSetId_) {
        allocationManager = allocationManager_;
        avs = avs_;
        operatorSetId = operatorSetId_;
    }

    /// @dev Under a proxy, address(this) is the proxy: the apk contracts are created by the proxy,
    ///      whose nonce starts at 1 like any contract's, so {_apkAddress} holds (and survives upgrades).
    // forge-lint: disable-next-line(mixed-case-function)
    function __VigilRegistrar_init(address owner_, uint64 governanceDelay_) internal onlyInitializing {
        __VigilGoverned_init(owner_, governanceDelay_);
        // Snapshot 0: the empty set (identity apk, zero weight) from this block on.
        _pushSetSnapshot(_writeApk(new bytes(256)), 0);
    }

    modifier onlyAllocationManager() {
        if (msg.sender != address(allocationManager)) revert OnlyAllocationManager();
        _;
    }

    // ---------------------------------------------------------------------------------------------
    // IAVSRegistrar
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IAVSRegistrar
    /// @dev `data` = G2 public key (256 bytes, EIP-2537) ‖ proof of possession (128 bytes, G1): a
    ///      signature under the PoP DST of CheckpointLib.popMessage(chainid, this, operator, pubkey).
    ///      An operator's key is fixed at its first registration; a key belongs to one operator.
    function registerOperator(address operator, address avs_, uint32[] calldata operatorSetIds, bytes calldata data)
        external
        onlyAllocationManager
    {
        _checkSets(avs_, operatorSetIds);
        if (data.length != 384) revert InvalidRegistrationData();
        bytes memory pubkey = data[0:256];
        bytes memory pop = data[256:384];
        bytes32 keyHash = keccak256(pubkey);

        bytes32 existing = operatorKeyHash[operator];
        if (existing == bytes32(0)) {
            address owner_ = _keys[keyHash].operator;
            if (owner_ != address(0)) revert KeyAlreadyRegistered(keyHash, owner_);
        } else if (existing != keyHash) {
            revert OperatorKeyMismatch(existing, keyHash);
        }
        if (BLS12381.isZero(pubkey)) revert IdentityKey();
        // The pairing inside verify also subgroup-checks the key, once, here.
        bytes32 message = CheckpointLib.popMessage(block.chainid, address(this), operator, pubkey);
        if (!BLS12381.verify(pubkey, message, pop, BLS12381.DST_POP)) revert InvalidProofOfPossession();

        if (existing == bytes32(0)) {
            operatorKeyHash[operator] = keyHash;
            _keys[keyHash].operator = operator;
            _pubkeys[keyHash] = pubkey;
            _everRegistered.push(operator);
            emit KeyRegistered(operator, keyHash, pubkey);
        }
        if (_latestKeySnapshot(keyHash).active) revert AlreadyRegistered(operator);

        uint96 weight = _computeWeight(operator);
        _pushKeySnapshot(keyHash, true, weight);
        _addMember(operator);
        SetSnapshot memory s = _latestSetSnapshot();
        bytes memory apk = BLS12381.g2Add(_readApk(s.apkIndex), pubkey);
        _pushSetSnapshot(_writeApk(apk), s.totalWeight + weight);
        emit OperatorRegistered(operator, keyHash, weight);
    }

    /// @inheritdoc IAVSRegistrar
    function deregisterOperator(address operator, address avs_, uint32[] calldata operatorSetIds)
        external
        onlyAllocationManager
    {
        _checkSets(avs_, operatorSetIds);
        bytes32 keyHash = operatorKeyHash[operator];
        KeySnapshot memory k = _latestKeySnapshot(keyHash);
        if (keyHash == bytes32(0) || !k.active) revert NotRegistered(operator);

        _pushKeySnapshot(keyHash, false, 0);
        _removeMember(operator);
        SetSnapshot memory s = _latestSetSnapshot();
        bytes memory apk = BLS12381.g2Add(_readApk(s.apkIndex), BLS12381.g2Negate(_pubkeys[keyHash]));
        _pushSetSnapshot(_writeApk(apk), s.totalWeight - k.weight);
        emit OperatorDeregistered(operator, keyHash);
    }

    /// @inheritdoc IAVSRegistrar
    function supportsAVS(address avs_) external view returns (bool) {
        return avs_ == avs;
    }

    // ---------------------------------------------------------------------------------------------
    // Weights
    // ---------------------------------------------------------------------------------------------

    /// @notice Re-reads the weights of `operators` from the AllocationManager. Anyone may call it (the
    ///         values come from EigenLayer); the off-chain aggregator calls it when stake moves.
    ///         Unregistered operators are skipped.
    /// @param operators The operators to update.
    function updateOperators(address[] calldata operators) external {
        _updateOperators(operators);
    }

    /// @notice Re-reads the weights of every registered operator.
    function updateAllOperators() external {
        _updateOperators(_members);
    }

    /// @notice Sets the strategies counted in weights and their multipliers (1e18 = 1x). Weights
    ///         change only when operators are next updated: call {updateAllOperators} after this.
    /// @param params The strategies and their multipliers (WAD).
    function setStrategies(StrategyParams[] calldata params) external onlyOwner {
        delete _strategies;
        for (uint256 i; i < params.length; ++i) {
            if (params[i].multiplier == 0) revert InvalidMultiplier();
            _strategies.push(params[i]);
        }
        emit StrategiesSet(params);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The strategies counted in weights.
    /// @return The strategies and their multipliers (WAD).
    function strategies() external view returns (StrategyParams[] memory) {
        return _strategies;
    }

    /// @notice Operators registered now.
    /// @return The registered operators.
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @notice Every operator that ever registered (a key), registered now or not.
    /// @return Every operator that ever registered a key.
    function allOperators() external view returns (address[] memory) {
        return _everRegistered;
    }

    /// @notice The set as of block `blockNumber`, from current state only (no archive node needed):
    ///         the operators active with a nonzero weight, their key hashes and weights, and the set's
    ///         total weight (as {setStateAt}). Order is unspecified. Reverts with {NoSnapshotAt} before
    ///         the first snapshot. Cost grows with every operator that ever registered: meant for
    ///         eth_call, not for other contracts.
    /// @param blockNumber The block.
    /// @return operators The operators.
    /// @return keyHashes Their key hashes, in the same order.
    /// @return weights Their weights, in the same order.
    /// @return totalWeight The set's total weight.
    function membersAt(uint32 blockNumber)
        external
        view
        returns (address[] memory operators, bytes32[] memory keyHashes, uint96[] memory weights, uint96 totalWeight)
    {
        totalWeight = _setSnapshotAt(blockNumber, _loadHot()).totalWeight;
        uint256 n = _everRegistered.length;
        operators = new address[](n);
        keyHashes = new bytes32[](n);
        weights = new uint96[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            address op = _everRegistered[i];
            bytes32 keyHash = operatorKeyHash[op];
            KeySnapshot memory k = _keySnapshotAt(keyHash, _keys[keyHash].historyLength, blockNumber);
            if (!k.active || k.weight == 0) continue;
            operators[count] = op;
            keyHashes[count] = keyHash;
            weights[count] = k.weight;
            ++count;
        }
        assembly ("memory-safe") {
            mstore(operators, count)
            mstore(keyHashes, count)
            mstore(weights, count)
        }
    }

    /// @notice Registered operators whose weight, read now from the AllocationManager, differs from
    ///         their latest recorded weight: pass them to {updateOperators}. An operator whose
    ///         allocation was still pending when it registered appears here once it takes effect.
    /// @return outdated The operators whose recorded weight is stale.
    function outdatedOperators() external view returns (address[] memory outdated) {
        uint256 n = _members.length;
        outdated = new address[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            address op = _members[i];
            if (_computeWeight(op) != _latestKeySnapshot(operatorKeyHash[op]).weight) outdated[count++] = op;
        }
        assembly ("memory-safe") {
            mstore(outdated, count)
        }
    }

    /// @notice The registered G2 key of `keyHash` (empty if unknown).
    /// @param keyHash keccak256 of the key's EIP-2537 encoding.
    /// @return The G2 key, EIP-2537 encoded.
    function pubkeyOf(bytes32 keyHash) external view returns (bytes memory) {
        return _pubkeys[keyHash];
    }

    /// @notice The operator owning `keyHash` (zero if unknown).
    /// @param keyHash keccak256 of the key's EIP-2537 encoding.
    /// @return The operator.
    function operatorOfKey(bytes32 keyHash) external view returns (address) {
        return _keys[keyHash].operator;
    }

    /// @notice The set's aggregate public key and total weight as of block `blockNumber`.
    /// @param blockNumber The block.
    /// @return apk The aggregate G2 public key, EIP-2537 encoded.
    /// @return totalWeight The set's total weight.
    function setStateAt(uint32 blockNumber) external view returns (bytes memory apk, uint96 totalWeight) {
        SetSnapshot memory s = _setSnapshotAt(blockNumber, _loadHot());
        return (_readApk(s.apkIndex), s.totalWeight);
    }

    /// @notice Whether `operator` was in the set as of block `blockNumber`, and with what weight.
    /// @param operator The operator.
    /// @param blockNumber The block.
    /// @return active Whether it was in the set.
    /// @return weight Its weight then.
    function operatorStateAt(address operator, uint32 blockNumber) external view returns (bool active, uint96 weight) {
        bytes32 keyHash = operatorKeyHash[operator];
        if (keyHash == bytes32(0)) return (false, 0);
        KeySnapshot memory k = _keySnapshotAt(keyHash, _keys[keyHash].historyLength, blockNumber);
        return (k.active, k.weight);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals: history
    // ---------------------------------------------------------------------------------------------

    function _checkSets(address avs_, uint32[] calldata operatorSetIds) internal view {
        if (avs_ != avs) revert UnsupportedAVS(avs_);
        if (operatorSetIds.length != 1 || operatorSetIds[0] != operatorSetId) revert UnsupportedOperatorSets();
    }

    function _updateOperators(address[] memory operators) internal {
        SetSnapshot memory s = _latestSetSnapshot();
        uint96 total = s.totalWeight;
        for (uint256 i; i < operators.length; ++i) {
            bytes32 keyHash = operatorKeyHash[operators[i]];
            if (keyHash == bytes32(0)) continue;
            KeySnapshot memory k = _latestKeySnapshot(keyHash);
            if (!k.active) continue;
            uint96 weight = _computeWeight(operators[i]);
            if (weight == k.weight) continue;
            _pushKeySnapshot(keyHash, true, weight);
            total = total - k.weight + weight;
            emit OperatorWeightUpdated(operators[i], k.weight, weight);
        }
        if (total != s.totalWeight) _pushSetSnapshot(s.apkIndex, total);
    }

    function _computeWeight(address operator) internal view returns (uint96) {
        uint256 n = _strategies.length;
        if (n == 0) return 0;
        address[] memory ops = new address[](1);
        ops[0] = operator;
        address[] memory strats = new address[](n);
        for (uint256 i; i < n; ++i) {
            strats[i] = _strategies[i].strategy;
        }
        uint256[][] memory stake = allocationManager.getMinimumSlashableStake(
            OperatorSet(avs, operatorSetId), ops, strats, SafeCast.toUint32(block.number)
        );
        uint256 weight;
        for (uint256 i; i < n; ++i) {
            weight += stake[0][i] * _strategies[i].multiplier / 1e18;
        }
        return SafeCast.toUint96(weight);
    }

    function _pushKeySnapshot(bytes32 keyHash, bool active, uint96 weight) internal {
        uint32 len = _keys[keyHash].historyLength;
        uint32 blockNumber = SafeCast.toUint32(block.number);
        if (len > 0 && _keyHistory[keyHash][len - 1].blockNumber == blockNumber) {
            _keyHistory[keyHash][len - 1] = KeySnapshot(blockNumber, active, weight);
        } else {
            _keyHistory[keyHash][len] = KeySnapshot(blockNumber, active, weight);
            _keys[keyHash].historyLength = len + 1;
        }
    }

    function _pushSetSnapshot(uint32 apkIndex, uint96 totalWeight) internal {
        Hot memory hot = _loadHot();
        // The latest snapshot always names the newest apk, which lets {Hot} omit its index.
        if (apkIndex + 1 != hot.apkCount) revert ApkStorageFailed();
        uint32 len = hot.setHistoryLength;
        uint32 blockNumber = SafeCast.toUint32(block.number);
        if (len > 0 && hot.latestBlock == blockNumber) {
            _setHistory[len - 1] = SetSnapshot(blockNumber, apkIndex, totalWeight);
        } else {
            _setHistory[len] = SetSnapshot(blockNumber, apkIndex, totalWeight);
            hot.setHistoryLength = len + 1;
        }
        hot.latestBlock = blockNumber;
        hot.latestTotalWeight = totalWeight;
        _hot = hot;
        emit SetSnapshotWritten(blockNumber, apkIndex, totalWeight);
    }

    /// @dev {Hot} in memory. One function rather than `= _hot` at each use: the copy's unpacking code
    ///      then exists once in the bytecode (the verifier is close to EIP-170's limit).
    function _loadHot() internal view returns (Hot memory) {
        return _hot;
    }

    function _latestKeySnapshot(bytes32 keyHash) internal view returns (KeySnapshot memory k) {
        uint32 len = _keys[keyHash].historyLength;
        if (len > 0) k = _keyHistory[keyHash][len - 1];
    }

    function _latestSetSnapshot() internal view returns (SetSnapshot memory) {
        Hot memory hot = _loadHot();
        return SetSnapshot(hot.latestBlock, hot.apkCount - 1, hot.latestTotalWeight);
    }

    /// @dev The last snapshot with blockNumber <= `blockNumber`: the latest, from {Hot}, in the common
    ///      case of a fresh certificate, else a binary search of the history.
    function _setSnapshotAt(uint32 blockNumber, Hot memory hot) internal view returns (SetSnapshot memory s) {
        if (hot.latestBlock <= blockNumber) {
            return SetSnapshot(hot.latestBlock, hot.apkCount - 1, hot.latestTotalWeight);
        }
        uint256 lo;
        uint256 hi = hot.setHistoryLength - 1; // invariant: history[hi] is after blockNumber
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (_setHistory[mid].blockNumber <= blockNumber) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) revert NoSnapshotAt(blockNumber);
        return _setHistory[lo - 1];
    }

    /// @dev As {_setSnapshotAt} for one key; an empty result (active = false) before its first entry.
    function _keySnapshotAt(bytes32 keyHash, uint256 len, uint32 blockNumber)
        internal
        view
        returns (KeySnapshot memory k)
    {
        if (len == 0) return k;
        mapping(uint256 => KeySnapshot) storage h = _keyHistory[keyHash];
        k = h[len - 1];
        if (k.blockNumber <= blockNumber) return k;
        uint256 lo;
        uint256 hi = len - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (h[mid].blockNumber <= blockNumber) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return KeySnapshot(0, false, 0);
        return h[lo - 1];
    }

    function _addMember(address operator) internal {
        _members.push(operator);
        _memberIndexPlusOne[operator] = _members.length;
    }

    function _removeMember(address operator) internal {
        uint256 i = _memberIndexPlusOne[operator] - 1;
        address last = _members[_members.length - 1];
        _members[i] = last;
        _memberIndexPlusOne[last] = i + 1;
        _members.pop();
        delete _memberIndexPlusOne[operator];
    }

    // ---------------------------------------------------------------------------------------------
    // Internals: apk storage (SSTORE2)
    // ---------------------------------------------------------------------------------------------

    /// @dev Stores `apk` (256 bytes) as the code of a new contract, behind a STOP byte so that calling
    ///      it does nothing, and returns its index.
    function _writeApk(bytes memory apk) internal returns (uint32 index) {
        index = _hot.apkCount;
        address created;
        assembly ("memory-safe") {
            // Init code (10 bytes) + runtime (1 + 256 bytes):
            //   PUSH2 0x0101 DUP1 PUSH1 0x0a RETURNDATASIZE CODECOPY RETURNDATASIZE RETURN ‖ STOP ‖ apk
            let m := mload(0x40)
            mstore(m, 0x61010180600a3d393df300000000000000000000000000000000000000000000)
            mcopy(add(m, 11), add(apk, 32), 256)
            created := create(0, m, 267)
        }
        if (created == address(0) || created != _apkAddress(index)) revert ApkStorageFailed();
        _hot.apkCount = index + 1;
    }

    /// @dev The apk with the given index (256 bytes).
    function _readApk(uint32 index) internal view returns (bytes memory apk) {
        address ptr = _apkAddress(index);
        apk = new bytes(256);
        assembly ("memory-safe") {
            extcodecopy(ptr, add(apk, 32), 1, 256)
        }
    }

    /// @dev Copies the apk with the given index to memory at `dest` (256 bytes).
    function _copyApk(uint32 index, uint256 dest) internal view {
        address ptr = _apkAddress(index);
        assembly ("memory-safe") {
            extcodecopy(ptr, dest, 1, 256)
        }
    }

    /// @dev The CREATE address of this contract's contract with nonce index + 1 (contract nonces start
    ///      at 1, and only {_writeApk} creates contracts): keccak256(rlp([this, nonce]))[12:].
    function _apkAddress(uint32 index) internal view returns (address a) {
        uint256 nonce = uint256(index) + 1;
        assembly ("memory-safe") {
            let m := mload(0x40)
            // RLP: list header, 0x94 ‖ address, then the nonce as a single byte (< 0x80) or as a
            // string of 1-4 bytes (0x80 + length ‖ big-endian bytes).
            let nonceLen := 0
            if gt(nonce, 0x7f) {
                nonceLen := 1
                if gt(nonce, 0xff) { nonceLen := 2 }
                if gt(nonce, 0xffff) { nonceLen := 3 }
                if gt(nonce, 0xffffff) { nonceLen := 4 }
            }
            switch nonceLen
            case 0 {
                mstore8(m, 0xd6)
                mstore8(add(m, 1), 0x94)
                mstore(add(m, 2), shl(96, address()))
                mstore8(add(m, 22), nonce)
                a := keccak256(m, 23)
            }
            default {
                mstore8(m, add(0xd6, nonceLen))
                mstore8(add(m, 1), 0x94)
                mstore(add(m, 2), shl(96, address()))
                mstore8(add(m, 22), add(0x80, nonceLen))
                mstore(add(m, 23), shl(sub(256, mul(8, nonceLen)), nonce))
                a := keccak256(m, add(23, nonceLen))
            }
            a := and(a, 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }
}
