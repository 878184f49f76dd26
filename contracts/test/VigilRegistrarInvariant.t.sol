// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VigilVerifier} from "../src/VigilVerifier.sol";
import {BLS12381} from "../src/libraries/BLS12381.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @dev Drives registrations, deregistrations and stake changes of a pool of operators in random order
///      across blocks, and keeps a plain model of who is in the set.
contract RegistrarHandler is VigilFixture {
    uint256 internal constant POOL = 6;

    bytes[POOL + 1] internal data;
    bool[POOL + 1] public inSet;
    uint256[POOL + 1] public stake;

    constructor() {
        _deployVigil();
        for (uint256 i = 1; i <= POOL; ++i) {
            data[i] = _registrationData(i, _operator(i));
            stake[i] = (i * 7 ether) % 23 ether + 1 ether;
        }
    }

    function register(uint256 seed) external {
        uint256 i = seed % POOL + 1;
        if (inSet[i]) return;
        am.setSlashableStake(_operator(i), STRATEGY, stake[i]);
        am.registerForOperatorSets(_operator(i), address(sm), _ids(), data[i]);
        inSet[i] = true;
    }

    function deregister(uint256 seed) external {
        uint256 i = seed % POOL + 1;
        if (!inSet[i]) return;
        _deregister(i);
        inSet[i] = false;
    }

    function changeStake(uint256 seed, uint64 amount) external {
        uint256 i = seed % POOL + 1;
        stake[i] = amount;
        am.setSlashableStake(_operator(i), STRATEGY, amount);
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
