// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Roles} from "./Roles.sol";

/**
 * @title LightingCertification
 * @notice PELL-IP public-lighting certification registry. Municipalities certify on-chain
 *         (a) the static data of their public-lighting plants (geographic location, equipment
 *         details) and (b) the monthly aggregate consumption of the municipality.
 * @dev The static data itself stays off-chain: only its hash (`datasetHash`), the plant id and
 *      the schema version of the off-chain dataset are recorded. Monthly consumption is
 *      recorded in clear together with the hash of the underlying measurement dataset.
 *
 *      Every submission is a certification with a global, sequential id starting at 1 (shared
 *      by both kinds). Re-certifying the same item (static: same municipality + plant id;
 *      monthly: same municipality + month) creates a new certification whose `previousId`
 *      points to the previous certification of that item, so the full history remains
 *      readable. Events carry every stored field, so a dashboard can rebuild the complete
 *      list of certifications and their data from logs alone.
 *
 *      Municipalities are identified by a non-empty string code (e.g. the ISTAT code
 *      "010025"). The Platform Admin authorizes submitter accounts per municipality.
 */
contract LightingCertification is AccessControl {
    /// @notice Role allowed to authorize and deauthorize submitters of municipalities
    ///         (`keccak256("PLATFORM_ADMIN")`, shared with the rest of the platform).
    bytes32 public constant PLATFORM_ADMIN_ROLE = Roles.PLATFORM_ADMIN;

    /// @notice Kind of a certification.
    enum Kind {
        Static,
        Monthly
    }

    /**
     * @notice A stored certification.
     * @param kind Static (plant static data) or Monthly (municipality monthly consumption).
     * @param municipalityCode Code of the municipality (e.g. ISTAT code).
     * @param plantId Identifier of the plant (empty for monthly certifications).
     * @param month Month as YYYYMM (0 for static certifications).
     * @param consumptionWh Aggregate consumption in Wh, i.e. the aggregate kWh with 3 decimals
     *        multiplied by 1000 (0 for static certifications).
     * @param measurements Number of measurements aggregated (0 for static certifications).
     * @param datasetHash Hash of the off-chain dataset.
     * @param schemaVersion Schema version of the static dataset (0 for monthly certifications).
     * @param submitter Account that submitted the certification.
     * @param timestamp Block timestamp of the certification.
     * @param previousId Id of the previous certification of the same item (0 if first).
     */
    struct Certification {
        Kind kind;
        string municipalityCode;
        string plantId;
        uint32 month;
        uint256 consumptionWh;
        uint32 measurements;
        bytes32 datasetHash;
        uint16 schemaVersion;
        address submitter;
        uint64 timestamp;
        uint256 previousId;
    }

    /// @dev Certifications by id (ids start at 1).
    mapping(uint256 => Certification) private _certifications;

    /// @dev Number of certifications issued, equal to the last id.
    uint256 private _count;

    /// @dev Latest certification id per item key.
    mapping(bytes32 => uint256) private _latest;

    /// @dev Authorized submitters: keccak256(bytes(municipalityCode)) => account => authorized.
    mapping(bytes32 => mapping(address => bool)) private _submitters;

    /**
     * @notice Emitted when a submitter is authorized or deauthorized for a municipality.
     * @param municipalityCodeIndex Indexed (hashed) municipality code, for filtering.
     * @param municipalityCode Municipality code in clear.
     * @param account Submitter account.
     * @param authorized True if authorized, false if deauthorized.
     * @param admin Platform Admin that performed the change.
     */
    event SubmitterSet(
        string indexed municipalityCodeIndex,
        string municipalityCode,
        address indexed account,
        bool authorized,
        address indexed admin
    );

    /**
     * @notice Emitted when the static data of a plant is certified.
     * @param id Certification id.
     * @param municipalityCodeIndex Indexed (hashed) municipality code, for filtering.
     * @param submitter Account that submitted the certification.
     * @param municipalityCode Municipality code in clear.
     * @param plantId Plant identifier.
     * @param datasetHash Hash of the off-chain static dataset.
     * @param schemaVersion Schema version of the static dataset.
     * @param timestamp Block timestamp of the certification.
     * @param previousId Previous certification of the same plant (0 if first).
     */
    event StaticDataCertified(
        uint256 indexed id,
        string indexed municipalityCodeIndex,
        address indexed submitter,
        string municipalityCode,
        string plantId,
        bytes32 datasetHash,
        uint16 schemaVersion,
        uint64 timestamp,
        uint256 previousId
    );

    /**
     * @notice Emitted when the monthly consumption of a municipality is certified.
     * @param id Certification id.
     * @param municipalityCodeIndex Indexed (hashed) municipality code, for filtering.
     * @param submitter Account that submitted the certification.
     * @param municipalityCode Municipality code in clear.
     * @param month Month as YYYYMM.
     * @param consumptionWh Aggregate consumption in Wh (aggregate kWh with 3 decimals × 1000).
     * @param measurements Number of measurements aggregated.
     * @param datasetHash Hash of the off-chain measurement dataset.
     * @param timestamp Block timestamp of the certification.
     * @param previousId Previous certification of the same municipality and month (0 if first).
     */
    event MonthlyConsumptionCertified(
        uint256 indexed id,
        string indexed municipalityCodeIndex,
        address indexed submitter,
        string municipalityCode,
        uint32 month,
        uint256 consumptionWh,
        uint32 measurements,
        bytes32 datasetHash,
        uint64 timestamp,
        uint256 previousId
    );

    /// @notice The platform admin address is the zero address.
    error ZeroAdmin();

    /// @notice The submitter account is the zero address.
    error ZeroAccount();

    /// @notice The municipality code is empty.
    error EmptyMunicipalityCode();

    /// @notice The plant id is empty.
    error EmptyPlantId();

    /// @notice The dataset hash is zero.
    error ZeroDatasetHash();

    /// @notice The schema version is zero.
    error InvalidSchemaVersion();

    /**
     * @notice The month is not a valid YYYYMM value (year 2000..2999, month 1..12).
     * @param month The rejected value.
     */
    error InvalidMonth(uint32 month);

    /// @notice The number of measurements is zero.
    error NoMeasurements();

    /**
     * @notice The caller is not an authorized submitter of the municipality.
     * @param code Municipality code.
     * @param account Caller.
     */
    error NotSubmitterForMunicipality(string code, address account);

    /**
     * @notice No certification exists with this id.
     * @param id The requested id.
     */
    error UnknownCertification(uint256 id);

    /**
     * @notice Deploys the registry.
     * @param platformAdmin Account receiving DEFAULT_ADMIN_ROLE and PLATFORM_ADMIN_ROLE.
     */
    constructor(address platformAdmin) {
        if (platformAdmin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, platformAdmin);
        _grantRole(PLATFORM_ADMIN_ROLE, platformAdmin);
    }

    /// @dev Reverts unless the caller is an authorized submitter of `municipalityCode`.
    modifier onlySubmitter(string calldata municipalityCode) {
        if (bytes(municipalityCode).length == 0) revert EmptyMunicipalityCode();
        if (!_submitters[keccak256(bytes(municipalityCode))][msg.sender]) {
            revert NotSubmitterForMunicipality(municipalityCode, msg.sender);
        }
        _;
    }

    /**
     * @notice Authorizes or deauthorizes a submitter account for a municipality.
     * @dev Only PLATFORM_ADMIN_ROLE. Emits SubmitterSet (also when the value is unchanged).
     * @param municipalityCode Municipality code (non-empty).
     * @param account Submitter account (non-zero).
     * @param authorized True to authorize, false to deauthorize.
     */
    function setSubmitter(string calldata municipalityCode, address account, bool authorized)
        external
        onlyRole(PLATFORM_ADMIN_ROLE)
    {
        if (bytes(municipalityCode).length == 0) revert EmptyMunicipalityCode();
        if (account == address(0)) revert ZeroAccount();
        _submitters[keccak256(bytes(municipalityCode))][account] = authorized;
        emit SubmitterSet(municipalityCode, municipalityCode, account, authorized, msg.sender);
    }

    /**
     * @notice Certifies the static data (location, equipment) of a public-lighting plant.
     * @dev Only an authorized submitter of the municipality. Links to the previous
     *      certification of the same municipality + plant. Emits StaticDataCertified.
     * @param municipalityCode Municipality code (non-empty).
     * @param plantId Plant identifier (non-empty).
     * @param datasetHash Hash of the off-chain static dataset (non-zero).
     * @param schemaVersion Schema version of the dataset (non-zero).
     * @return id The new certification id.
     */
    function certifyStatic(
        string calldata municipalityCode,
        string calldata plantId,
        bytes32 datasetHash,
        uint16 schemaVersion
    ) external onlySubmitter(municipalityCode) returns (uint256 id) {
        if (bytes(plantId).length == 0) revert EmptyPlantId();
        if (datasetHash == bytes32(0)) revert ZeroDatasetHash();
        if (schemaVersion == 0) revert InvalidSchemaVersion();

        // slither-disable-next-line uninitialized-local (a memory struct starts zeroed; fields of the other kind stay zero)
        Certification memory c;
        c.kind = Kind.Static;
        c.municipalityCode = municipalityCode;
        c.plantId = plantId;
        c.datasetHash = datasetHash;
        c.schemaVersion = schemaVersion;

        id = _record(keccak256(abi.encode(Kind.Static, municipalityCode, plantId)), c);
        _emitStatic(id, c);
    }

    /**
     * @notice Certifies the monthly aggregate public-lighting consumption of a municipality.
     * @dev Only an authorized submitter of the municipality. Links to the previous
     *      certification of the same municipality + month. Emits MonthlyConsumptionCertified.
     * @param municipalityCode Municipality code (non-empty).
     * @param month Month as YYYYMM (year 2000..2999, month 1..12).
     * @param consumptionWh Aggregate consumption in Wh: the aggregate kWh with 3 decimals
     *        multiplied by 1000 (e.g. 1234.567 kWh => 1234567).
     * @param measurements Number of measurements aggregated (non-zero).
     * @param datasetHash Hash of the off-chain measurement dataset (non-zero).
     * @return id The new certification id.
     */
    function certifyMonthly(
        string calldata municipalityCode,
        uint32 month,
        uint256 consumptionWh,
        uint32 measurements,
        bytes32 datasetHash
    ) external onlySubmitter(municipalityCode) returns (uint256 id) {
        _validateMonth(month);
        if (measurements == 0) revert NoMeasurements();
        if (datasetHash == bytes32(0)) revert ZeroDatasetHash();

        // slither-disable-next-line uninitialized-local (a memory struct starts zeroed; fields of the other kind stay zero)
        Certification memory c;
        c.kind = Kind.Monthly;
        c.municipalityCode = municipalityCode;
        c.month = month;
        c.consumptionWh = consumptionWh;
        c.measurements = measurements;
        c.datasetHash = datasetHash;

        id = _record(keccak256(abi.encode(Kind.Monthly, municipalityCode, month)), c);
        _emitMonthly(id, c);
    }

    /**
     * @notice Number of certifications issued (equal to the last id).
     * @return The certification count.
     */
    function certificationCount() external view returns (uint256) {
        return _count;
    }

    /**
     * @notice Returns a certification.
     * @dev Reverts with UnknownCertification if `id` is 0 or greater than the count.
     * @param id Certification id.
     * @return The stored certification.
     */
    function getCertification(uint256 id) external view returns (Certification memory) {
        if (id == 0 || id > _count) revert UnknownCertification(id);
        return _certifications[id];
    }

    /**
     * @notice Latest static certification of a plant.
     * @param municipalityCode Municipality code.
     * @param plantId Plant identifier.
     * @return The latest certification id, 0 if none.
     */
    function latestStatic(string calldata municipalityCode, string calldata plantId)
        external
        view
        returns (uint256)
    {
        return _latest[keccak256(abi.encode(Kind.Static, municipalityCode, plantId))];
    }

    /**
     * @notice Latest monthly certification of a municipality for a month.
     * @param municipalityCode Municipality code.
     * @param month Month as YYYYMM.
     * @return The latest certification id, 0 if none.
     */
    function latestMonthly(string calldata municipalityCode, uint32 month)
        external
        view
        returns (uint256)
    {
        return _latest[keccak256(abi.encode(Kind.Monthly, municipalityCode, month))];
    }

    /**
     * @notice Checks a dataset hash against a certification.
     * @dev Reverts with UnknownCertification if `id` does not exist.
     * @param id Certification id.
     * @param datasetHash Hash to check.
     * @return True if `datasetHash` equals the certified dataset hash.
     */
    function verifyDataset(uint256 id, bytes32 datasetHash) external view returns (bool) {
        if (id == 0 || id > _count) revert UnknownCertification(id);
        // slither-disable-next-line incorrect-equality (an exact hash comparison is the point; no timestamp is compared)
        return _certifications[id].datasetHash == datasetHash;
    }

    /**
     * @notice Whether an account is an authorized submitter of a municipality.
     * @param municipalityCode Municipality code.
     * @param account Account to check.
     * @return True if authorized.
     */
    function isSubmitter(string calldata municipalityCode, address account)
        external
        view
        returns (bool)
    {
        return _submitters[keccak256(bytes(municipalityCode))][account];
    }

    /// @dev Reverts with InvalidMonth unless `month` is YYYYMM with year 2000..2999, month 1..12.
    function _validateMonth(uint32 month) private pure {
        uint32 year = month / 100;
        uint32 mm = month % 100;
        if (year < 2000 || year > 2999 || mm < 1 || mm > 12) revert InvalidMonth(month);
    }

    /**
     * @dev Completes `c` (submitter, timestamp, previousId), assigns the next id, stores it and
     *      makes it the latest certification of the item `key`.
     */
    function _record(bytes32 key, Certification memory c) private returns (uint256 id) {
        c.submitter = msg.sender;
        c.timestamp = uint64(block.timestamp);
        c.previousId = _latest[key];
        id = ++_count;
        _latest[key] = id;
        _certifications[id] = c;
    }

    /// @dev Emits StaticDataCertified for certification `id`.
    function _emitStatic(uint256 id, Certification memory c) private {
        emit StaticDataCertified(
            id,
            c.municipalityCode,
            c.submitter,
            c.municipalityCode,
            c.plantId,
            c.datasetHash,
            c.schemaVersion,
            c.timestamp,
            c.previousId
        );
    }

    /// @dev Emits MonthlyConsumptionCertified for certification `id`.
    function _emitMonthly(uint256 id, Certification memory c) private {
        emit MonthlyConsumptionCertified(
            id,
            c.municipalityCode,
            c.submitter,
            c.municipalityCode,
            c.month,
            c.consumptionWh,
            c.measurements,
            c.datasetHash,
            c.timestamp,
            c.previousId
        );
    }
}
