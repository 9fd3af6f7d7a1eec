// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Roles} from "./Roles.sol";

/// @title ModelRegistry
/// @notice Reward-model parameters published in clear and versioned, so anyone can recompute how
/// consumption data became tokens. A model (e.g. "self_consumption", "peak_shaving", "combined")
/// gets numbered versions (1, 2, …); each version holds named parameters and the first epoch it
/// applies to. Every version stays readable. Each community picks its active model.
/// @dev Model ids and parameter names are short ASCII strings right-padded into bytes32.
/// Parameter values are unsigned fixed-point integers with PARAM_DECIMALS decimals
/// (97.5 is stored as 97 500 000; a fraction 0.9 as 900 000).
contract ModelRegistry is AccessControl {
    bytes32 public constant ORACLE_ADMIN_ROLE = Roles.ORACLE_ADMIN;
    bytes32 public constant COMMUNITY_ADMIN_ROLE = Roles.COMMUNITY_ADMIN;

    /// @notice Decimals of every parameter value.
    uint8 public constant PARAM_DECIMALS = 6;
    /// @notice Most parameters in one version.
    uint256 public constant MAX_PARAMETERS = 32;

    struct Version {
        uint64 effectiveFromEpoch;
        uint64 publishedAt;
        address publisher;
        bytes32[] names;
        uint256[] values;
    }

    bytes32[] private _modelIds;
    mapping(bytes32 => Version[]) private _versions;
    mapping(address => bytes32) private _activeModel;

    /// @notice A new version of a model's parameters was published.
    event ModelVersionPublished(
        bytes32 indexed modelId,
        uint32 indexed version,
        uint64 effectiveFromEpoch,
        bytes32[] names,
        uint256[] values,
        address indexed publisher
    );
    /// @notice A community chose its active model.
    event ActiveModelSet(address indexed community, bytes32 indexed modelId, address indexed by);

    error ZeroModelId();
    error NoParameters();
    error TooManyParameters(uint256 count, uint256 max);
    error LengthMismatch(uint256 names, uint256 values);
    error InvalidParameterName(uint256 index);
    error DuplicateParameter(bytes32 name);
    error EffectiveEpochBeforePrevious(uint64 effectiveFromEpoch, uint64 previous);
    error UnknownModel(bytes32 modelId);
    error UnknownVersion(bytes32 modelId, uint32 version);
    error UnknownParameter(bytes32 modelId, uint32 version, bytes32 name);
    error NoVersionForEpoch(bytes32 modelId, uint64 epoch);
    error NotAuthorizedForCommunity(address community, address account);
    error NoActiveModel(address community);

    /// @param platformAdmin receives DEFAULT_ADMIN_ROLE (grants roles)
    /// @param oracleAdmin receives ORACLE_ADMIN_ROLE (publishes parameters)
    constructor(address platformAdmin, address oracleAdmin) {
        _grantRole(DEFAULT_ADMIN_ROLE, platformAdmin);
        _grantRole(ORACLE_ADMIN_ROLE, oracleAdmin);
    }

    /// @notice Publishes a new version of `modelId` (creating the model on its first version).
    /// @param names parameter names (non-zero, distinct)
    /// @param values parameter values, PARAM_DECIMALS decimals
    /// @param effectiveFromEpoch first epoch number the version applies to; not before the previous version's
    /// @return version the new version number (1 for the first)
    function publishVersion(bytes32 modelId, bytes32[] calldata names, uint256[] calldata values, uint64 effectiveFromEpoch)
        external
        onlyRole(ORACLE_ADMIN_ROLE)
        returns (uint32 version)
    {
        if (modelId == bytes32(0)) revert ZeroModelId();
        if (names.length != values.length) revert LengthMismatch(names.length, values.length);
        if (names.length == 0) revert NoParameters();
        if (names.length > MAX_PARAMETERS) revert TooManyParameters(names.length, MAX_PARAMETERS);
        for (uint256 i = 0; i < names.length; ++i) {
            if (names[i] == bytes32(0)) revert InvalidParameterName(i);
            for (uint256 j = 0; j < i; ++j) {
                if (names[j] == names[i]) revert DuplicateParameter(names[i]);
            }
        }
        Version[] storage versions = _versions[modelId];
        if (versions.length == 0) {
            _modelIds.push(modelId);
        } else {
            uint64 previous = versions[versions.length - 1].effectiveFromEpoch;
            if (effectiveFromEpoch < previous) revert EffectiveEpochBeforePrevious(effectiveFromEpoch, previous);
        }
        _versions[modelId].push(Version(effectiveFromEpoch, uint64(block.timestamp), _msgSender(), names, values));
        version = uint32(_versions[modelId].length);
        emit ModelVersionPublished(modelId, version, effectiveFromEpoch, names, values, _msgSender());
    }

    /// @notice Makes `modelId` the active model of `community` (a community token).
    /// @dev Allowed to the Oracle Admin and to the community's own Community Admin.
    function setActiveModel(address community, bytes32 modelId) external {
        address caller = _msgSender();
        if (!hasRole(ORACLE_ADMIN_ROLE, caller) && !IAccessControl(community).hasRole(COMMUNITY_ADMIN_ROLE, caller)) {
            revert NotAuthorizedForCommunity(community, caller);
        }
        if (_versions[modelId].length == 0) revert UnknownModel(modelId);
        _activeModel[community] = modelId;
        emit ActiveModelSet(community, modelId, caller);
    }

    /// @notice The active model of `community` (zero when none was chosen).
    function activeModel(address community) external view returns (bytes32) {
        return _activeModel[community];
    }

    /// @notice Every model id, in order of first publication.
    function modelIds() external view returns (bytes32[] memory) {
        return _modelIds;
    }

    /// @notice Number of versions of a model (0 when unknown).
    function versionCount(bytes32 modelId) public view returns (uint32) {
        return uint32(_versions[modelId].length);
    }

    /// @notice One published version, complete.
    function getVersion(bytes32 modelId, uint32 version) public view returns (Version memory) {
        Version[] storage versions = _versions[modelId];
        if (version == 0 || version > versions.length) revert UnknownVersion(modelId, version);
        return versions[version - 1];
    }

    /// @notice Value of parameter `name` in a version.
    function parameter(bytes32 modelId, uint32 version, bytes32 name) external view returns (uint256) {
        Version memory v = getVersion(modelId, version);
        for (uint256 i = 0; i < v.names.length; ++i) {
            if (v.names[i] == name) return v.values[i];
        }
        revert UnknownParameter(modelId, version, name);
    }

    /// @notice The version that applies to epoch `epoch`: the newest with effectiveFromEpoch <= epoch.
    function versionForEpoch(bytes32 modelId, uint64 epoch) public view returns (uint32) {
        Version[] storage versions = _versions[modelId];
        if (versions.length == 0) revert UnknownModel(modelId);
        for (uint256 i = versions.length; i > 0; --i) {
            if (versions[i - 1].effectiveFromEpoch <= epoch) return uint32(i);
        }
        revert NoVersionForEpoch(modelId, epoch);
    }

    /// @notice The active model of `community` and the version that applies to `epoch`.
    function modelForEpoch(address community, uint64 epoch) external view returns (bytes32 modelId, uint32 version) {
        modelId = _activeModel[community];
        if (modelId == bytes32(0)) revert NoActiveModel(community);
        version = versionForEpoch(modelId, epoch);
    }
}
