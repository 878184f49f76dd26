// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The subset of forge's cheatcodes these tests use. forge-std is not on the npm registry in a
///      current version (and git is not available to `forge install` here), so the project declares
///      the cheatcodes it calls itself; signatures match forge 1.7's `Vm` interface.
interface Vm {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function lastCallGas() external view returns (Gas memory gas);
    // Files and JSON
    function readFile(string calldata path) external view returns (string memory);
    function exists(string calldata path) external view returns (bool);
    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function parseJsonStringArray(string calldata json, string calldata key) external pure returns (string[] memory);
    function parseJson(string calldata json) external pure returns (bytes memory);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonBytes32Array(string calldata json, string calldata key) external pure returns (bytes32[] memory);
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);
    function parseJsonBool(string calldata json, string calldata key) external pure returns (bool);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function toString(uint256 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function parseUint(string calldata value) external pure returns (uint256);
    function parseBytes(string calldata value) external pure returns (bytes memory);

    // Assertions (revert with a message on failure)
    function assertEq(bytes calldata a, bytes calldata b) external pure;
    function assertEq(bytes calldata a, bytes calldata b, string calldata err) external pure;
    function assertEq(bytes32 a, bytes32 b) external pure;
    function assertEq(bytes32 a, bytes32 b, string calldata err) external pure;
    function assertEq(uint256 a, uint256 b) external pure;
    function assertEq(uint256 a, uint256 b, string calldata err) external pure;
    function assertEq(address a, address b) external pure;
    function assertEq(address a, address b, string calldata err) external pure;
    function assertEq(bool a, bool b) external pure;
    function assertEq(bool a, bool b, string calldata err) external pure;
    function assertEq(string calldata a, string calldata b) external pure;
    function assertEq(string calldata a, string calldata b, string calldata err) external pure;
    function assertNotEq(bytes calldata a, bytes calldata b) external pure;
    function assertNotEq(bytes32 a, bytes32 b) external pure;
    function assertTrue(bool condition) external pure;
    function assertTrue(bool condition, string calldata err) external pure;
    function assertFalse(bool condition) external pure;
    function assertFalse(bool condition, string calldata err) external pure;
    function assertGt(uint256 a, uint256 b) external pure;
    function assertGt(uint256 a, uint256 b, string calldata err) external pure;
    function assertGe(uint256 a, uint256 b) external pure;
    function assertGe(uint256 a, uint256 b, string calldata err) external pure;
    function assertLt(uint256 a, uint256 b) external pure;
    function assertLe(uint256 a, uint256 b) external pure;
    function assertLe(uint256 a, uint256 b, string calldata err) external pure;

    // Scripts
    function startBroadcast() external;
    function stopBroadcast() external;
    function readCallers() external returns (uint8 callerMode, address msgSender, address txOrigin);
    function envOr(string calldata name, address defaultValue) external view returns (address);
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256);
    function envAddress(string calldata name) external view returns (address);
    function envAddress(string calldata name, string calldata delim) external view returns (address[] memory);
    function serializeAddress(string calldata objectKey, string calldata valueKey, address value)
        external
        returns (string memory json);
    function serializeUint(string calldata objectKey, string calldata valueKey, uint256 value)
        external
        returns (string memory json);
    function serializeString(string calldata objectKey, string calldata valueKey, string calldata value)
        external
        returns (string memory json);
    function writeJson(string calldata json, string calldata path) external;
    function removeFile(string calldata path) external;

    // Environment
    function roll(uint256 newHeight) external;
    /// @dev Marks every storage slot of `target` cold again (as a new transaction finds it).
    function cool(address target) external;
    function warp(uint256 newTimestamp) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function label(address account, string calldata newLabel) external;
    function addr(uint256 privateKey) external pure returns (address);
    function assume(bool condition) external pure;
    function skip(bool skipTest) external;
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function mockCall(address callee, bytes calldata data, bytes calldata returnData) external;
    function mockCallRevert(address callee, bytes calldata data, bytes calldata revertData) external;
    function clearMockedCalls() external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);
    function pauseGasMetering() external;
    function resumeGasMetering() external;
}

/// @dev Minimal base for test contracts: the cheatcode handle plus forge's log events.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    event log_named_uint(string key, uint256 val);
    event log_named_int(string key, int256 val);
    event log_named_bytes(string key, bytes val);
    event log_string(string val);

    function assertEq(bytes memory a, bytes memory b) internal pure {
        vm.assertEq(a, b);
    }

    function assertEq(bytes memory a, bytes memory b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        vm.assertEq(a, b);
    }

    function assertEq(bytes32 a, bytes32 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        vm.assertEq(a, b);
    }

    function assertEq(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(address a, address b) internal pure {
        vm.assertEq(a, b);
    }

    function assertEq(address a, address b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(bool a, bool b) internal pure {
        vm.assertEq(a, b);
    }

    function assertEq(bool a, bool b, string memory err) internal pure {
        vm.assertEq(a, b, err);
    }

    function assertEq(string memory a, string memory b) internal pure {
        vm.assertEq(a, b);
    }

    function assertTrue(bool c) internal pure {
        vm.assertTrue(c);
    }

    function assertTrue(bool c, string memory err) internal pure {
        vm.assertTrue(c, err);
    }

    function assertFalse(bool c) internal pure {
        vm.assertFalse(c);
    }

    function assertFalse(bool c, string memory err) internal pure {
        vm.assertFalse(c, err);
    }

    function assertGt(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertGt(a, b, err);
    }

    function assertGe(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertGe(a, b, err);
    }

    function assertLe(uint256 a, uint256 b, string memory err) internal pure {
        vm.assertLe(a, b, err);
    }
}
