// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAVSRegistrar} from "../../src/interfaces/IAVSRegistrar.sol";
import {
    CreateSetParams,
    CreateSetParamsV2,
    OperatorSet,
    SlashingParams
} from "../../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../../src/interfaces/IPermissionController.sol";

/// @title AllocationManagerV19Mock
/// @notice The one EigenLayer stand-in in Vigil's tests: the v1.9+ AllocationManager's per-set slasher
///         (`createOperatorSets(avs, CreateSetParamsV2[])`, then only that address may call
///         `slashOperator` for the set). There is no v1.9 bytecode in this repository (eigen-utils
///         2.0.0 ships v1.3.0), so this path cannot run on the real core here; everything else runs on
///         the real v1.3.0 core (test/utils/EigenLayerDeployer.sol). Only what that one test needs:
///         set creation, registrar callbacks, slashable stake set by the test, slashes recorded.
///         Like v1.5+, slashOperator returns (slashId, shares), which v1.3.0's does not: so this mock
///         implements IAllocationManager's functions without inheriting the interface.
contract AllocationManagerV19Mock {
    error InvalidCaller();
    error InvalidPermissions();
    error Unsupported();

    IPermissionController public immutable permissionController;

    mapping(address => address) public registrarOf;
    mapping(bytes32 => address) internal _slasherOf;
    mapping(bytes32 => mapping(address => bool)) public isMember;
    mapping(address => mapping(address => uint256)) public slashableStake;
    address[] internal _slashed;

    constructor(IPermissionController pc) {
        permissionController = pc;
    }

    modifier checkCanCall(address avs) {
        if (!permissionController.canCall(avs, msg.sender, address(this), msg.sig)) revert InvalidPermissions();
        _;
    }

    function updateAVSMetadataURI(address avs, string calldata) external checkCanCall(avs) {}

    function createOperatorSets(address, CreateSetParams[] calldata) external pure {
        revert Unsupported(); // v1.9 sets always name a slasher in this test
    }

    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external checkCanCall(avs) {
        for (uint256 i; i < params.length; ++i) {
            _slasherOf[_key(avs, params[i].operatorSetId)] = params[i].slasher;
        }
    }

    /// @dev v1.9's updateSlasher takes effect after SLASHER_CONFIGURATION_DELAY + 1 blocks; the
    ///      mock applies it at once (the delay is EigenLayer's, not Vigil's, to test).
    function updateSlasher(OperatorSet memory set, address slasher) external checkCanCall(set.avs) {
        bytes32 key = _key(set.avs, set.id);
        if (_slasherOf[key] == address(0)) revert InvalidCaller();
        _slasherOf[key] = slasher;
    }

    function getSlasher(OperatorSet memory set) external view returns (address) {
        return _slasherOf[_key(set.avs, set.id)];
    }

    function setAVSRegistrar(address avs, address registrar) external checkCanCall(avs) {
        require(IAVSRegistrar(registrar).supportsAVS(avs), "InvalidAVSRegistrar");
        registrarOf[avs] = registrar;
    }

    function addStrategiesToOperatorSet(address, uint32, address[] calldata) external pure {
        revert Unsupported();
    }

    function removeStrategiesFromOperatorSet(address, uint32, address[] calldata) external pure {
        revert Unsupported();
    }

    /// @dev v1.9: the set's slasher, and no one else, not even the AVS or an appointee. Returns, as
    ///      v1.5+ does, the slash id (1, 2, ... per set) and the shares slashed per strategy.
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256 slashId, uint256[] memory shares)
    {
        if (msg.sender != _slasherOf[_key(avs, params.operatorSetId)]) revert InvalidCaller();
        require(isMember[_key(avs, params.operatorSetId)][params.operator], "OperatorNotSlashable");
        _slashed.push(params.operator);
        slashId = _slashed.length;
        shares = new uint256[](params.strategies.length);
        for (uint256 i; i < shares.length; ++i) {
            shares[i] = slashableStake[params.operator][params.strategies[i]] * params.wadsToSlash[i] / 1e18;
        }
    }

    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        address[] memory strategies,
        uint32
    ) external view returns (uint256[][] memory stake) {
        stake = new uint256[][](operators.length);
        for (uint256 i; i < operators.length; ++i) {
            stake[i] = new uint256[](strategies.length);
            if (!isMember[_key(operatorSet.avs, operatorSet.id)][operators[i]]) continue;
            for (uint256 j; j < strategies.length; ++j) {
                stake[i][j] = slashableStake[operators[i]][strategies[j]];
            }
        }
    }

    function isMemberOfOperatorSet(address operator, OperatorSet memory s) external view returns (bool) {
        return isMember[_key(s.avs, s.id)][operator];
    }

    function isOperatorSlashable(address operator, OperatorSet memory s) external view returns (bool) {
        return isMember[_key(s.avs, s.id)][operator];
    }

    // ----- test controls

    function slasherOf(address avs, uint32 id) external view returns (address) {
        return _slasherOf[_key(avs, id)];
    }

    function setSlashableStake(address operator, address strategy, uint256 amount) external {
        slashableStake[operator][strategy] = amount;
    }

    function registerForOperatorSets(address operator, address avs, uint32[] calldata ids, bytes calldata data)
        external
    {
        for (uint256 i; i < ids.length; ++i) {
            isMember[_key(avs, ids[i])][operator] = true;
        }
        IAVSRegistrar(registrarOf[avs]).registerOperator(operator, avs, ids, data);
    }

    function slashCount() external view returns (uint256) {
        return _slashed.length;
    }

    function slashedOperator(uint256 i) external view returns (address) {
        return _slashed[i];
    }

    function _key(address avs, uint32 id) internal pure returns (bytes32) {
        return keccak256(abi.encode(avs, id));
    }
}
