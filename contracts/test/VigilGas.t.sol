// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Certificate} from "../src/VigilVerifier.sol";
import {Checkpoint} from "../src/libraries/CheckpointLib.sol";
import {VigilFixture} from "./utils/VigilFixture.sol";

/// @notice Headline gas figures: each test makes one cold call, as a transaction would, and reads
///         the gas of that call as forge measures it (vm.lastCallGas, the figure of `--gas-report`;
///         it excludes the caller's ABI encoding and the 2,600 of a cold CALL, which the caller pays).
///         Targets: verification <= 130,000 gas with no non-signer and <= 10,000 more per non-signer.
///         Run `forge test --match-contract VigilGasTest -vv` to print them.
contract VigilGasTest is VigilFixture {
    uint256 internal constant N = 10;

    Certificate internal c0;
    Certificate internal c1;
    Certificate internal c2;
    Certificate internal c3;

    function setUp() public {
        _deployVigil();
        for (uint256 i = 1; i <= N; ++i) {
            _register(i, STAKE);
        }
        vm.roll(1010);
        Checkpoint memory cp = _checkpoint(7, "b7", 1005);
        c0 = _certificate(cp, _range(1), _none());
        c1 = _certificate(cp, _range(2), _list(1));
        c2 = _certificate(cp, _range(3), _list(1, 2));
        c3 = _certificate(cp, _range(4), _list(1, 2, 3));
    }

    /// @dev Operators from..N.
    function _range(uint256 from) internal pure returns (uint256[] memory l) {
        l = new uint256[](N + 1 - from);
        for (uint256 i; i < l.length; ++i) {
            l[i] = from + i;
        }
    }

    function _measureVerify(Certificate memory c, string memory label) internal returns (uint256 used) {
        verifier.verifyCertificate(c);
        used = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint(label, used);
    }

    function test_gas_verify_0_nonSigners() public {
        assertLe(_measureVerify(c0, "verifyCertificate, 0 non-signers"), 130_000, "target");
    }

    function test_gas_verify_1_nonSigner() public {
        _measureVerify(c1, "verifyCertificate, 1 non-signer");
    }

    function test_gas_verify_2_nonSigners() public {
        _measureVerify(c2, "verifyCertificate, 2 non-signers");
    }

    function test_gas_verify_3_nonSigners() public {
        _measureVerify(c3, "verifyCertificate, 3 non-signers");
    }

    /// @dev Per non-signer cost, each call cold (state is reverted between snapshots).
    function test_gas_perNonSigner() public {
        uint256 snap = vm.snapshotState();
        uint256 g0 = _measureVerify(c0, "0");
        vm.revertToState(snap);
        uint256 g3 = _measureVerify(c3, "3");
        uint256 per = (g3 - g0) / 3;
        emit log_named_uint("per non-signer", per);
        assertLe(per, 10_000, "target");
    }

    function test_gas_submit_0_nonSigners() public {
        verifier.submitCertificate(c0);
        emit log_named_uint(
            "submitCertificate (call, records the checkpoint), 0 non-signers", vm.lastCallGas().gasTotalUsed
        );
    }
}
