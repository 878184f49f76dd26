// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAVSRegistrar} from "../../src/interfaces/IAVSRegistrar.sol";
import {
    CreateSetParams,
    CreateSetParamsV2,
    IAllocationManager,
    OperatorSet,
    SlashingParams
} from "../../src/interfaces/IAllocationManager.sol";
import {IPermissionController} from "../../src/interfaces/IPermissionController.sol";

/// @dev A stand-in for EigenLayer v1.3.0's PermissionController: an account with no admins is its own
///      admin and may appoint callers per (target, selector).
contract MockPermissionController is IPermissionController {
    mapping(bytes32 => bool) internal _appointed;

    function setAppointee(address account, address appointee, address target, bytes4 selector) external {
        require(msg.sender == account, "not admin");
        _appointed[keccak256(abi.encode(account, appointee, target, selector))] = true;
    }

    function removeAppointee(address account, address appointee, address target, bytes4 selector) external {
        require(msg.sender == account, "not admin");
        delete _appointed[keccak256(abi.encode(account, appointee, target, selector))];
    }

    function canCall(address account, address caller, address target, bytes4 selector) public view returns (bool) {
        return caller == account || _appointed[keccak256(abi.encode(account, caller, target, selector))];
    }
}

/// @dev A stand-in for EigenLayer v1.3.0's AllocationManager with just the behaviour Vigil relies on:
///      registration callbacks into the AVS registrar, slashable stake set by the test, permissioned
///      slashing that records its calls. The real contracts are exercised by the Rust integration tests.
contract MockAllocationManager is IAllocationManager {
    IPermissionController public immutable permissionController;

    mapping(address => string) public metadataURI;
    mapping(address => address) public registrarOf;
    mapping(bytes32 => bool) public setExists;
    mapping(bytes32 => address[]) internal _setStrategies;
    mapping(bytes32 => mapping(address => bool)) public isMember;
    mapping(address => mapping(address => uint256)) public slashableStake; // operator => strategy => stake

    SlashingParams[] internal _slashes;

    constructor(IPermissionController pc) {
        permissionController = pc;
    }

    modifier checkCanCall(address avs) {
        require(permissionController.canCall(avs, msg.sender, address(this), msg.sig), "InvalidPermissions");
        _;
    }

    function updateAVSMetadataURI(address avs, string calldata uri) external checkCanCall(avs) {
        metadataURI[avs] = uri;
    }

    function createOperatorSets(address avs, CreateSetParams[] calldata params) external checkCanCall(avs) {
        require(bytes(metadataURI[avs]).length != 0, "NonexistentAVSMetadata");
        for (uint256 i; i < params.length; ++i) {
            bytes32 k = _key(avs, params[i].operatorSetId);
            require(!setExists[k], "InvalidOperatorSet");
            setExists[k] = true;
            _setStrategies[k] = params[i].strategies;
        }
    }

    /// @dev The v1.9+ overload: the set's slasher alone may slash it.
    mapping(bytes32 => address) public slasherOf;

    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external checkCanCall(avs) {
        require(bytes(metadataURI[avs]).length != 0, "NonexistentAVSMetadata");
        for (uint256 i; i < params.length; ++i) {
            bytes32 k = _key(avs, params[i].operatorSetId);
            require(!setExists[k], "InvalidOperatorSet");
            setExists[k] = true;
            _setStrategies[k] = params[i].strategies;
            slasherOf[k] = params[i].slasher;
        }
    }

    function setAVSRegistrar(address avs, address registrar) external checkCanCall(avs) {
        require(IAVSRegistrar(registrar).supportsAVS(avs), "InvalidAVSRegistrar");
        registrarOf[avs] = registrar;
    }

    function addStrategiesToOperatorSet(address avs, uint32 id, address[] calldata strategies)
        external
        checkCanCall(avs)
    {
        for (uint256 i; i < strategies.length; ++i) {
            _setStrategies[_key(avs, id)].push(strategies[i]);
        }
    }

    function removeStrategiesFromOperatorSet(address avs, uint32, address[] calldata) external checkCanCall(avs) {}

    function slashOperator(address avs, SlashingParams calldata params) external {
        address setSlasher = slasherOf[_key(avs, params.operatorSetId)];
        if (setSlasher != address(0)) require(msg.sender == setSlasher, "InvalidCaller");
        else require(permissionController.canCall(avs, msg.sender, address(this), msg.sig), "InvalidPermissions");
        require(isMember[_key(avs, params.operatorSetId)][params.operator], "OperatorNotSlashable");
        for (uint256 i = 1; i < params.strategies.length; ++i) {
            require(params.strategies[i - 1] < params.strategies[i], "StrategiesMustBeInAscendingOrder");
        }
        _slashes.push(params);
        // Like EigenLayer, lower the operator's slashable stake by the slashed share.
        for (uint256 i; i < params.strategies.length; ++i) {
            uint256 s = slashableStake[params.operator][params.strategies[i]];
            slashableStake[params.operator][params.strategies[i]] = s - s * params.wadsToSlash[i] / 1e18;
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

    // ----- test controls, shaped like the operator-facing calls of the real contract

    function setSlashableStake(address operator, address strategy, uint256 amount) external {
        slashableStake[operator][strategy] = amount;
    }

    function registerForOperatorSets(address operator, address avs, uint32[] calldata ids, bytes calldata data)
        external
    {
        for (uint256 i; i < ids.length; ++i) {
            bytes32 k = _key(avs, ids[i]);
            require(setExists[k], "InvalidOperatorSet");
            require(!isMember[k][operator], "AlreadyMemberOfSet");
            isMember[k][operator] = true;
        }
        IAVSRegistrar(registrarOf[avs]).registerOperator(operator, avs, ids, data);
    }

    function deregisterFromOperatorSets(address operator, address avs, uint32[] calldata ids) external {
        for (uint256 i; i < ids.length; ++i) {
            bytes32 k = _key(avs, ids[i]);
            require(isMember[k][operator], "NotMemberOfSet");
            isMember[k][operator] = false;
        }
        IAVSRegistrar(registrarOf[avs]).deregisterOperator(operator, avs, ids);
    }

    function slashCount() external view returns (uint256) {
        return _slashes.length;
    }

    function slashAt(uint256 i) external view returns (SlashingParams memory) {
        return _slashes[i];
    }

    function _key(address avs, uint32 id) internal pure returns (bytes32) {
        return keccak256(abi.encode(avs, id));
    }
}
