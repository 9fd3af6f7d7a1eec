// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {CommunityFactory} from "./CommunityFactory.sol";
import {ICommittedPeriods} from "./interfaces/ICommittedPeriods.sol";
import {Roles} from "./Roles.sol";

/// @title ModelRegistry
/// @notice Reward-model parameters published in clear, per community, fixed before the period they rule.
/// For each community and model (e.g. "self_consumption", "peak_shaving", "combined") versions are
/// numbered 1, 2, … and each holds named parameters and the time it applies from: a version rules an
/// epoch whose period starts at or after its `effectiveFrom`. Each community also schedules which model is
/// active from when. Every version and every switch stays readable; an auditor recomputes any reward from
/// the version the notary recorded for the epoch.
/// @dev Rules that keep a period's rules fixed: `effectiveFrom` is never before the end of the community's
/// last committed period (so nothing already committed changes), schedules are strictly increasing, and
/// while `minNotice` > 0 a change takes effect at least `minNotice` after it is published (so a period
/// under way keeps the rules it started with).
/// Model ids and parameter names are short ASCII strings right-padded into bytes32. Parameter values are
/// unsigned fixed-point integers with PARAM_DECIMALS decimals (97.5 is stored as 97 500 000).
contract ModelRegistry is AccessControl {
    bytes32 public constant ORACLE_ADMIN_ROLE = Roles.ORACLE_ADMIN;
    bytes32 public constant COMMUNITY_ADMIN_ROLE = Roles.COMMUNITY_ADMIN;

    /// @notice Decimals of every parameter value.
    uint8 public constant PARAM_DECIMALS = 6;
    /// @notice Most parameters in one version.
    uint256 public constant MAX_PARAMETERS = 32;
    /// @notice Longest notice the platform admin may require.
    uint64 public constant MAX_MIN_NOTICE = 90 days;

    struct Version {
        uint64 effectiveFrom;
        uint64 publishedAt;
        address publisher;
        bytes32[] names;
        uint256[] values;
    }

    /// @notice From `effectiveFrom` on, `modelId` is the community's active model.
    struct ModelSwitch {
        uint64 effectiveFrom;
        uint64 scheduledAt;
        address by;
        bytes32 modelId;
    }

    CommunityFactory public immutable factory;
    /// @notice The notary whose committed periods no change may reach back into (set once).
    ICommittedPeriods public notary;
    /// @notice Least time between publishing a change and the time it applies from (0: no notice).
    uint64 public minNotice;

    mapping(address => mapping(bytes32 => Version[])) private _versions;
    mapping(address => bytes32[]) private _modelIds;
    mapping(address => ModelSwitch[]) private _schedule;

    /// @notice A new version of a community's model parameters was published.
    event ModelVersionPublished(
        address indexed community,
        bytes32 indexed modelId,
        uint32 indexed version,
        uint64 effectiveFrom,
        bytes32[] names,
        uint256[] values,
        address publisher
    );
    /// @notice A community's active model was scheduled to change at `effectiveFrom`.
    event ActiveModelScheduled(address indexed community, bytes32 indexed modelId, uint64 effectiveFrom, address indexed by);
    /// @notice The minimum notice changed.
    event MinNoticeSet(uint64 oldMinNotice, uint64 newMinNotice);
    /// @notice The notary was set.
    event NotarySet(address notary);

    error ZeroAddress();
    error NotaryAlreadySet(address notary);
    error NotaryNotSet();
    error UnknownCommunity(address community);
    error ZeroModelId();
    error NoParameters();
    error TooManyParameters(uint256 count, uint256 max);
    error LengthMismatch(uint256 names, uint256 values);
    error InvalidParameterName(uint256 index);
    error DuplicateParameter(bytes32 name);
    error MinNoticeTooLong(uint64 minNotice, uint64 max);
    /// @notice `effectiveFrom` is before the end of the community's last committed period.
    error EffectiveBeforeCommittedPeriod(uint64 effectiveFrom, uint64 lastPeriodEnd);
    /// @notice `effectiveFrom` is less than `minNotice` after now.
    error NoticeTooShort(uint64 effectiveFrom, uint64 earliest);
    /// @notice `effectiveFrom` is not after the previous entry of the same schedule.
    error ScheduleNotIncreasing(uint64 effectiveFrom, uint64 previous);
    error UnknownModel(address community, bytes32 modelId);
    error UnknownVersion(bytes32 modelId, uint32 version);
    error UnknownParameter(bytes32 modelId, uint32 version, bytes32 name);
    error NoVersionForPeriod(bytes32 modelId, uint64 periodStart);
    error NoActiveModel(address community, uint64 periodStart);
    error NotAuthorizedForCommunity(address community, address account);

    /// @param platformAdmin receives DEFAULT_ADMIN_ROLE (grants roles, sets the notice and the notary)
    /// @param oracleAdmin receives ORACLE_ADMIN_ROLE (publishes parameters for any community)
    /// @param factory_ the factory whose communities this registry serves
    /// @param minNotice_ initial minimum notice (at most MAX_MIN_NOTICE)
    constructor(address platformAdmin, address oracleAdmin, CommunityFactory factory_, uint64 minNotice_) {
        if (platformAdmin == address(0) || oracleAdmin == address(0) || address(factory_) == address(0)) {
            revert ZeroAddress();
        }
        _grantRole(DEFAULT_ADMIN_ROLE, platformAdmin);
        _grantRole(ORACLE_ADMIN_ROLE, oracleAdmin);
        factory = factory_;
        _setMinNotice(minNotice_);
    }

    // ------------------------------------------------------------------ admin

    /// @notice Sets the notary whose committed periods bound every change (once).
    function setNotary(ICommittedPeriods notary_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(notary) != address(0)) revert NotaryAlreadySet(address(notary));
        if (address(notary_) == address(0)) revert ZeroAddress();
        notary = notary_;
        emit NotarySet(address(notary_));
    }

    /// @notice Sets the minimum notice, 0 to 90 days.
    function setMinNotice(uint64 minNotice_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinNotice(minNotice_);
    }

    // ------------------------------------------------------------------ publish

    /// @notice Publishes a new version of `modelId`'s parameters for `community`.
    /// @dev Allowed to the Oracle Admin and to the community's own Community Admin. Requires
    /// `effectiveFrom` ≥ the end of the community's last committed period, ≥ now + minNotice (when
    /// minNotice > 0) and > the previous version's `effectiveFrom`. Emits ModelVersionPublished.
    /// @param names parameter names (non-zero, distinct)
    /// @param values parameter values, PARAM_DECIMALS decimals
    /// @param effectiveFrom unix time from which the version rules the community's periods
    /// @return version the new version number (1 for the first)
    function publishVersion(
        address community,
        bytes32 modelId,
        bytes32[] calldata names,
        uint256[] calldata values,
        uint64 effectiveFrom
    ) external returns (uint32 version) {
        _requirePublisher(community);
        if (modelId == bytes32(0)) revert ZeroModelId();
        _checkParameters(names, values);
        uint256 count = _versions[community][modelId].length;
        if (count == 0) {
            _checkEffectiveFrom(community, effectiveFrom, false, 0);
            _modelIds[community].push(modelId);
        } else {
            _checkEffectiveFrom(community, effectiveFrom, true, _versions[community][modelId][count - 1].effectiveFrom);
        }
        _versions[community][modelId].push(Version(effectiveFrom, uint64(block.timestamp), _msgSender(), names, values));
        version = uint32(count + 1);
        emit ModelVersionPublished(community, modelId, version, effectiveFrom, names, values, _msgSender());
    }

    /// @notice Makes `modelId` the active model of `community` for periods starting at or after `effectiveFrom`.
    /// @dev Same publishers and time rules as `publishVersion`; the model needs a version for the community that
    /// already applies at `effectiveFrom` (NoVersionForPeriod), so no period after the switch is left without rules.
    function setActiveModel(address community, bytes32 modelId, uint64 effectiveFrom) external {
        _requirePublisher(community);
        if (_versions[community][modelId].length == 0) revert UnknownModel(community, modelId);
        uint256 count = _schedule[community].length;
        _checkEffectiveFrom(
            community, effectiveFrom, count > 0, count > 0 ? _schedule[community][count - 1].effectiveFrom : 0
        );
        versionForPeriod(community, modelId, effectiveFrom); // reverts NoVersionForPeriod
        _schedule[community].push(ModelSwitch(effectiveFrom, uint64(block.timestamp), _msgSender(), modelId));
        emit ActiveModelScheduled(community, modelId, effectiveFrom, _msgSender());
    }

    // ------------------------------------------------------------------ views

    /// @notice The earliest `effectiveFrom` a new entry may have now, given the previous entry of its schedule
    /// (pass `hasPrevious` false for a first entry).
    function earliestEffectiveFrom(address community, bool hasPrevious, uint64 previous) public view returns (uint64 t) {
        t = address(notary) == address(0) ? 0 : notary.lastPeriodEnd(community);
        if (minNotice > 0 && uint64(block.timestamp) + minNotice > t) t = uint64(block.timestamp) + minNotice;
        if (hasPrevious && previous + 1 > t) t = previous + 1;
    }

    /// @notice The model active for a period starting at `periodStart` (zero when none).
    function activeModelAt(address community, uint64 periodStart) public view returns (bytes32) {
        ModelSwitch[] storage schedule = _schedule[community];
        for (uint256 i = schedule.length; i > 0; --i) {
            if (schedule[i - 1].effectiveFrom <= periodStart) return schedule[i - 1].modelId;
        }
        return bytes32(0);
    }

    /// @notice The model active now (zero when none).
    function activeModel(address community) external view returns (bytes32) {
        return activeModelAt(community, uint64(block.timestamp));
    }

    /// @notice Every scheduled switch of a community's active model, in order.
    function modelSchedule(address community) external view returns (ModelSwitch[] memory) {
        return _schedule[community];
    }

    /// @notice The models with versions for a community, in order of first publication.
    function modelIds(address community) external view returns (bytes32[] memory) {
        return _modelIds[community];
    }

    /// @notice Number of versions of a community's model (0 when none).
    function versionCount(address community, bytes32 modelId) public view returns (uint32) {
        return uint32(_versions[community][modelId].length);
    }

    /// @notice One published version, complete.
    function getVersion(address community, bytes32 modelId, uint32 version) public view returns (Version memory) {
        Version[] storage versions = _versions[community][modelId];
        if (version == 0 || version > versions.length) revert UnknownVersion(modelId, version);
        return versions[version - 1];
    }

    /// @notice Value of parameter `name` in a version.
    function parameter(address community, bytes32 modelId, uint32 version, bytes32 name)
        external
        view
        returns (uint256)
    {
        Version memory v = getVersion(community, modelId, version);
        for (uint256 i = 0; i < v.names.length; ++i) {
            if (v.names[i] == name) return v.values[i];
        }
        revert UnknownParameter(modelId, version, name);
    }

    /// @notice The version of a community's model that rules a period starting at `periodStart`:
    /// the newest with effectiveFrom ≤ periodStart.
    function versionForPeriod(address community, bytes32 modelId, uint64 periodStart) public view returns (uint32) {
        Version[] storage versions = _versions[community][modelId];
        if (versions.length == 0) revert UnknownModel(community, modelId);
        for (uint256 i = versions.length; i > 0; --i) {
            if (versions[i - 1].effectiveFrom <= periodStart) return uint32(i);
        }
        revert NoVersionForPeriod(modelId, periodStart);
    }

    /// @notice The community's active model for a period starting at `periodStart` and the version that applies.
    function modelForPeriod(address community, uint64 periodStart)
        external
        view
        returns (bytes32 modelId, uint32 version)
    {
        modelId = activeModelAt(community, periodStart);
        if (modelId == bytes32(0)) revert NoActiveModel(community, periodStart);
        version = versionForPeriod(community, modelId, periodStart);
    }

    // ---------------------------------------------------------------- internals

    function _setMinNotice(uint64 minNotice_) private {
        if (minNotice_ > MAX_MIN_NOTICE) revert MinNoticeTooLong(minNotice_, MAX_MIN_NOTICE);
        emit MinNoticeSet(minNotice, minNotice_);
        minNotice = minNotice_;
    }

    /// @dev The Oracle Admin, or the community's own Community Admin, of a community of the factory.
    function _requirePublisher(address community) private view {
        if (!factory.isCommunity(community)) revert UnknownCommunity(community);
        if (address(notary) == address(0)) revert NotaryNotSet();
        address caller = _msgSender();
        if (!hasRole(ORACLE_ADMIN_ROLE, caller) && !IAccessControl(community).hasRole(COMMUNITY_ADMIN_ROLE, caller)) {
            revert NotAuthorizedForCommunity(community, caller);
        }
    }

    function _checkParameters(bytes32[] calldata names, uint256[] calldata values) private pure {
        if (names.length != values.length) revert LengthMismatch(names.length, values.length);
        if (names.length == 0) revert NoParameters();
        if (names.length > MAX_PARAMETERS) revert TooManyParameters(names.length, MAX_PARAMETERS);
        for (uint256 i = 0; i < names.length; ++i) {
            if (names[i] == bytes32(0)) revert InvalidParameterName(i);
            for (uint256 j = 0; j < i; ++j) {
                if (names[j] == names[i]) revert DuplicateParameter(names[i]);
            }
        }
    }

    /// @dev One guard for every schedule entry: after committed periods, with notice, strictly increasing.
    function _checkEffectiveFrom(address community, uint64 effectiveFrom, bool hasPrevious, uint64 previous)
        private
        view
    {
        uint64 lastEnd = notary.lastPeriodEnd(community);
        if (effectiveFrom < lastEnd) revert EffectiveBeforeCommittedPeriod(effectiveFrom, lastEnd);
        if (minNotice > 0 && effectiveFrom < uint64(block.timestamp) + minNotice) {
            revert NoticeTooShort(effectiveFrom, uint64(block.timestamp) + minNotice);
        }
        if (hasPrevious && effectiveFrom <= previous) revert ScheduleNotIncreasing(effectiveFrom, previous);
    }
}
