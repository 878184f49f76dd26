// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilVerifier} from "../src/VigilVerifier.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @dev Drives registrations, deregistrations and stake changes (real deposits and queued withdrawals)
///      of a pool of operators on EigenLayer's real core in random order across blocks, and keeps a
///      plain model of who is in the set.
contract RegistrarHandler is VigilFixture {
    uint256 internal constant POOL = 6;

    bytes[POOL + 1] internal data;
    bool[POOL + 1] public inSet;
    uint256[POOL + 1] public stake;

    uint256 public registrations;
    /// @dev EigenLayer keeps a deregistered operator out until its old registration stops being slashable.
    uint256[POOL + 1] internal slashableUntil;

    constructor() {
        _deployVigil(POOL);
        for (uint256 i = 1; i <= POOL; ++i) {
            data[i] = _registrationData(i, _operator(i));
            stake[i] = (i * 7 ether) % 23 ether + 1 ether;
            _setStake(i, stake[i]);
        }
    }

    function register(uint256 seed) external {
        uint256 i = seed % POOL + 1;
        if (inSet[i] || block.number <= slashableUntil[i]) return;
        _registerAs(_operator(i), data[i]);
        inSet[i] = true;
        ++registrations;
    }

    function deregister(uint256 seed) external {
        uint256 i = seed % POOL + 1;
        if (!inSet[i]) return;
        _deregister(i);
        inSet[i] = false;
        slashableUntil[i] = block.number + DEALLOCATION_DELAY;
    }

    function changeStake(uint256 seed, uint64 amount) external {
        uint256 i = seed % POOL + 1;
        stake[i] = amount;
        _setStake(i, amount);
        address[] memory ops = new address[](1);
        ops[0] = _operator(i);
        verifier.updateOperators(ops);
    }

    function nextBlock(uint8 blocks) external {
        vm.roll(block.number + 1 + blocks % 4);
    }

    /// @dev Σ keys and Σ stakes of the model's members.
    function expected() external view returns (bytes memory apk, uint256 total) {
        apk = new bytes(256);
        for (uint256 i = 1; i <= POOL; ++i) {
            if (!inSet[i]) continue;
            apk = BLS12381.g2Add(apk, _pk(i));
            total += stake[i];
        }
    }

    function verifierAddress() external view returns (address) {
        return address(verifier);
    }
}

contract VigilRegistrarInvariantTest is VigilFixture {
    RegistrarHandler internal handler;

    function setUp() public {
        handler = new RegistrarHandler();
        verifier = VigilVerifier(handler.verifierAddress());
    }

    /// @dev forge's invariant runner calls only the handler.
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// @dev The handler's calls succeed on the real core (the invariant runner ignores reverts, so a
    ///      broken registration path would otherwise leave an empty set that trivially matches).
    function test_handlerDrivesTheRealCore() public {
        handler.register(0);
        handler.register(1);
        handler.changeStake(0, 5 ether);
        handler.nextBlock(0);
        handler.deregister(1);
        assertEq(handler.registrations(), 2);
        assertEq(verifier.members().length, 1);
        invariant_apkAndWeightMatchMembers();
    }

    /// @dev The set's current apk and total weight always equal the sum over its members.
    function invariant_apkAndWeightMatchMembers() public view {
        (bytes memory apk, uint256 total) = handler.expected();
        // forge-lint: disable-next-line(unsafe-typecast)
        (bytes memory onchainApk, uint96 onchainTotal) = verifier.setStateAt(uint32(block.number));
        assertEq(onchainApk, apk, "apk");
        assertEq(uint256(onchainTotal), total, "total weight");
        assertEq(verifier.members().length, _count(), "members");
    }

    function _count() internal view returns (uint256 n) {
        for (uint256 i = 1; i <= 6; ++i) {
            if (handler.inSet(i)) ++n;
        }
    }
}
