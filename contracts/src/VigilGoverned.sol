// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title VigilGoverned
/// @notice What Vigil's contracts share for governance a rollup can trust: they run behind a proxy
///         (initialized once, never constructed with state), ownership moves in two steps (the new
///         owner must accept), and every parameter a rollup relies on changes only through a timelock:
///         the owner queues the new value, which anyone may apply once `governanceDelay` seconds have
///         passed, and which the owner may cancel until then.
///
///         Watching it: every queued change emits {ChangeQueued} with its id, its new value as one
///         word and its eta (the earliest timestamp it can apply); {pendingChange} returns the same
///         on-chain, and each contract has typed views (`pending...`) for its parameters. A rollup that
///         does not accept a queued change has `governanceDelay` seconds to react.
///
///         A change's value word is the parameter's ABI word for a number or an address, and
///         keccak256 of the ABI encoding for a composite parameter (whose contract then emits and
///         exposes the full value in typed form). One word keeps the verifier, which carries all of
///         this next to the registrar and the certificate logic, under the 24 KiB code size limit.
/// @dev Storage: OpenZeppelin 4.9's Ownable2Step (owner, pending owner) and Initializable, then this
///      contract's fields and a gap, so later versions can add fields here without moving the
///      inheriting contracts' storage.
abstract contract VigilGoverned is Initializable, Ownable2Step {
    /// @notice A queued parameter change.
    /// @param eta Earliest block timestamp at which it can be applied; 0 if nothing is queued.
    /// @param value The new value's word (see the contract's notice).
    struct PendingChange {
        uint64 eta;
        bytes32 value;
    }

    /// @notice Nothing is queued under `changeId`.
    /// @param changeId The parameter's change id.
    error NoPendingChange(bytes32 changeId);
    /// @notice The change queued under `changeId` cannot apply before `eta`.
    /// @param changeId The parameter's change id.
    /// @param eta The earliest timestamp it applies at.
    error ChangeNotReady(bytes32 changeId, uint64 eta);
    /// @notice `delay` exceeds {MAX_GOVERNANCE_DELAY}.
    /// @param delay The refused delay, in seconds.
    error GovernanceDelayTooLong(uint256 delay);

    /// @notice `value` (its word) will replace parameter `changeId` from timestamp `eta` on.
    /// @param changeId The parameter's change id.
    /// @param value The new value, as a word.
    /// @param eta The earliest timestamp it applies at.
    event ChangeQueued(bytes32 indexed changeId, bytes32 value, uint64 eta);
    /// @notice The queued change of `changeId` was withdrawn.
    /// @param changeId The parameter's change id.
    event ChangeCancelled(bytes32 indexed changeId);
    /// @notice The queued change of `changeId` took effect.
    /// @param changeId The parameter's change id.
    /// @param value The value now in effect, as a word.
    event ChangeApplied(bytes32 indexed changeId, bytes32 value);
    /// @notice {governanceDelay} is now `delay`.
    /// @param delay Seconds between queueing a change and its earliest application.
    event GovernanceDelaySet(uint64 delay);

    /// @notice Longest allowed governance delay: a longer one, queued by mistake, would freeze
    ///         every parameter for good.
    uint64 public constant MAX_GOVERNANCE_DELAY = 30 days;
    /// @notice Change id of {governanceDelay}.
    bytes32 public constant GOVERNANCE_DELAY_CHANGE = keccak256("vigil.governanceDelay");

    /// @notice Seconds between queueing a parameter change and the earliest time it can apply.
    uint64 public governanceDelay;
    mapping(bytes32 => PendingChange) internal _pendingChanges;

    uint256[48] private __gap;

    /// @dev An implementation holds no state and no owner: only proxies are initialized.
    constructor() {
        _transferOwnership(address(0));
        _disableInitializers();
    }

    // forge-lint: disable-next-line(mixed-case-function)
    function __VigilGoverned_init(address owner_, uint64 governanceDelay_) internal onlyInitializing {
        _transferOwnership(owner_);
        _setGovernanceDelay(governanceDelay_);
    }

    // ---------------------------------------------------------------------------------------------
    // Timelock
    // ---------------------------------------------------------------------------------------------

    /// @notice The queued change of `changeId`: its value word and eta (eta 0: none queued).
    /// @param changeId The parameter's change id.
    /// @return value The queued value's word.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingChange(bytes32 changeId) external view returns (bytes32 value, uint64 eta) {
        PendingChange storage p = _pendingChanges[changeId];
        return (p.value, p.eta);
    }

    /// @notice Withdraws the queued change of `changeId`.
    /// @param changeId The parameter's change id.
    function cancelChange(bytes32 changeId) external onlyOwner {
        if (_pendingChanges[changeId].eta == 0) revert NoPendingChange(changeId);
        delete _pendingChanges[changeId];
        emit ChangeCancelled(changeId);
    }

    /// @notice Queues a new {governanceDelay} (at most {MAX_GOVERNANCE_DELAY}); it applies after the
    ///         current delay.
    /// @param delay The new delay, in seconds.
    function queueGovernanceDelay(uint64 delay) external onlyOwner {
        if (delay > MAX_GOVERNANCE_DELAY) revert GovernanceDelayTooLong(delay);
        _queueChange(GOVERNANCE_DELAY_CHANGE, bytes32(uint256(delay)));
    }

    /// @notice Applies the queued governance delay once its eta has passed. Anyone may call it.
    function applyGovernanceDelay() external {
        _setGovernanceDelay(uint64(uint256(_takeChange(GOVERNANCE_DELAY_CHANGE))));
    }

    /// @notice The queued governance delay and its eta (eta 0: none).
    /// @return delay The queued delay, in seconds.
    /// @return eta The earliest timestamp it applies at (0: nothing queued).
    function pendingGovernanceDelay() external view returns (uint64 delay, uint64 eta) {
        PendingChange storage p = _pendingChanges[GOVERNANCE_DELAY_CHANGE];
        return (uint64(uint256(p.value)), p.eta);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Queues `value` for `changeId`, replacing (and restarting the delay of) any queued one.
    function _queueChange(bytes32 changeId, bytes32 value) internal {
        uint64 eta = SafeCast.toUint64(block.timestamp) + governanceDelay;
        _pendingChanges[changeId] = PendingChange(eta, value);
        emit ChangeQueued(changeId, value, eta);
    }

    /// @dev Removes and returns the queued value of `changeId`, which must be due.
    function _takeChange(bytes32 changeId) internal returns (bytes32 value) {
        PendingChange storage p = _pendingChanges[changeId];
        uint64 eta = p.eta;
        if (eta == 0) revert NoPendingChange(changeId);
        // A validator's few seconds of timestamp leeway are nothing against a delay of hours or days.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < eta) revert ChangeNotReady(changeId, eta);
        value = p.value;
        delete _pendingChanges[changeId];
        emit ChangeApplied(changeId, value);
    }

    function _setGovernanceDelay(uint64 delay) internal {
        if (delay > MAX_GOVERNANCE_DELAY) revert GovernanceDelayTooLong(delay);
        governanceDelay = delay;
        emit GovernanceDelaySet(delay);
    }
}
