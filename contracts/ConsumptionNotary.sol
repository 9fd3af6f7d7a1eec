// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {CommunityFactory} from "./CommunityFactory.sol";
import {CommunityToken} from "./CommunityToken.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {ICommittedPeriods} from "./interfaces/ICommittedPeriods.sol";
import {Roles} from "./Roles.sol";

/// @title ConsumptionNotary
/// @notice Notary of the consumption data behind every reward, and the reward payer.
/// For a community and an epoch the oracle commits once a Merkle root over one leaf per member,
/// binding (index, member, reward amount, hash of the member's salted canonical readings), together
/// with the model and version that rule the period, the hash of the whole dataset, the number of leaves
/// and the total reward, which moves from the community treasury into this contract's escrow. The data
/// itself never comes on-chain; an auditor checks a member's data with `verifyTakeout`.
/// After a challenge window (during which the Community Admin or the platform admin may void the
/// commit) rewards are paid against the root — claimed by proof or pushed by the payer in batches under
/// one multiproof — each index at most once and never beyond the committed total. After the claim
/// deadline the unpaid rest goes back to the treasury.
/// When meter data is corrected after a commit, the oracle commits a revision of the epoch (1, 2, …): a new root
/// over the corrected data whose leaves pay only what a member's corrected reward exceeds the previous one (the
/// top-up), with the corrected dataset hash, the recomputed total and the hash of the reason. The original and
/// every revision stay readable; each revision is paid and released like an epoch, against its own root and
/// bitmap, never beyond its escrowed extra, and voided only during its challenge window. A lower corrected reward
/// is never taken back on-chain (the oracle deducts it from the member's next rewards).
/// @dev Leaves follow OpenZeppelin's StandardMerkleTree with leaf encoding
/// ["uint256", "address", "uint256", "bytes32"]:
/// keccak256(bytes.concat(keccak256(abi.encode(index, member, amount, dataHash)))). Trees are built
/// unsorted (leaf i at position i) so consecutive indexes share a multiproof. Payment state is a bitmap
/// over indexes. Roles: ORACLE commits, REWARD_PAYER pushes; neither can do the other's job.
contract ConsumptionNotary is AccessControl, ReentrancyGuardTransient, ICommittedPeriods {
    bytes32 public constant ORACLE_ROLE = Roles.ORACLE;
    bytes32 public constant REWARD_PAYER_ROLE = Roles.REWARD_PAYER;
    bytes32 public constant COMMUNITY_ADMIN_ROLE = Roles.COMMUNITY_ADMIN;

    /// @notice Most leaves in one `pushRewards` call.
    uint256 public constant MAX_BATCH = 200;
    /// @notice Bytes per leaf in `pushRewards`: uint24 index ‖ address member ‖ uint96 amount ‖ bytes32 dataHash.
    uint256 public constant PACKED_LEAF_BYTES = 67;
    /// @notice Most leaves in one epoch (indexes fit 24 bits).
    uint256 public constant MAX_LEAVES = type(uint24).max;
    /// @notice Largest total reward of one epoch (amounts fit 96 bits: 79 billion tokens of 18 decimals).
    uint256 public constant MAX_TOTAL_REWARD = type(uint96).max;
    /// @notice Longest challenge window the platform admin may set.
    uint64 public constant MAX_CHALLENGE_WINDOW = 7 days;
    /// @notice Bounds of the claim window.
    uint64 public constant MIN_CLAIM_WINDOW = 30 days;
    uint64 public constant MAX_CLAIM_WINDOW = 3650 days;

    uint40 private constant _CLOSED = type(uint40).max;

    enum EpochStatus {
        None,
        Committed,
        Voided,
        Released
    }

    /// @notice Commit arguments, grouped.
    struct Commitment {
        uint64 periodStart;
        uint64 periodEnd;
        bytes32 merkleRoot;
        bytes32 modelId;
        uint32 modelVersion;
        bytes32 datasetHash;
        uint32 leafCount;
        uint256 totalReward;
    }

    /// @notice A committed epoch and its payment state, as `getEpoch` returns it. The dataset hash is in the
    /// EpochCommitted event only.
    struct Epoch {
        EpochStatus status;
        uint64 periodStart;
        uint64 periodEnd;
        bytes32 merkleRoot;
        bytes32 modelId;
        uint32 modelVersion;
        uint32 leafCount;
        uint256 totalReward;
        uint256 paidTotal;
        uint64 committedAt;
        uint64 payableAt;
        uint64 claimDeadline;
    }

    /// @dev Slot 0 is all a payment reads and writes besides the root and the bitmap.
    struct Record {
        uint96 totalReward;
        uint96 paidTotal;
        uint24 leafCount;
        uint40 payableAt; // _CLOSED once voided or released
        bytes32 merkleRoot;
        uint64 periodStart;
        uint64 periodEnd;
        uint40 committedAt;
        uint40 claimDeadline;
        EpochStatus status;
        uint32 modelVersion;
        bytes32 modelId;
    }

    /// @notice Commit arguments of a revision of an epoch.
    /// @param merkleRoot root over leaves (index, member, top-up, dataHash of the corrected data), encoded as epochs'
    /// @param datasetHash hash of the corrected dataset
    /// @param leafCount number of leaves
    /// @param extraReward sum of the top-ups: escrowed at commit, the most this revision can pay
    /// @param totalReward the epoch's total reward recomputed on the corrected data (for auditors; in the event)
    /// @param reasonHash hash of the reason of the correction, kept off-chain
    struct RevisionCommitment {
        bytes32 merkleRoot;
        bytes32 datasetHash;
        uint32 leafCount;
        uint256 extraReward;
        uint256 totalReward;
        bytes32 reasonHash;
    }

    /// @notice A revision and its payment state, as `getRevision` returns it (dataset hash, recomputed total and
    /// reason hash are in the RevisionCommitted event).
    struct Revision {
        EpochStatus status;
        bytes32 merkleRoot;
        uint32 leafCount;
        uint256 extraReward;
        uint256 paidTotal;
        uint64 committedAt;
        uint64 payableAt;
        uint64 claimDeadline;
    }

    /// @dev `tip` is the latest epoch that is not voided: its period end bounds the next commit.
    struct CommunityEpochs {
        uint64 count;
        uint64 tip;
    }

    CommunityFactory public immutable factory;
    ModelRegistry public immutable registry;

    /// @notice Time after a commit during which nothing is paid and the commit may be voided.
    uint64 public challengeWindow;
    /// @notice Time after an epoch becomes payable during which its rewards stay reserved for members.
    uint64 public claimWindow = 365 days;

    mapping(address => CommunityEpochs) private _communities;
    mapping(address => mapping(uint64 => Record)) private _epochs;
    mapping(address => mapping(uint64 => mapping(uint256 => uint256))) private _paidWords;
    mapping(address => mapping(uint64 => uint32)) private _revisionCounts;
    /// @dev A revision's Record: totalReward is its extra (what it may pay), the period and model are its epoch's.
    mapping(address => mapping(uint64 => mapping(uint32 => Record))) private _revisions;
    mapping(address => mapping(uint64 => mapping(uint32 => mapping(uint256 => uint256)))) private _revisionPaidWords;

    /// @notice An epoch was committed; its rewards are payable from `payableAt` and reserved until `claimDeadline`.
    event EpochCommitted(
        address indexed community,
        uint64 indexed epoch,
        bytes32 indexed merkleRoot,
        Commitment commitment,
        uint64 payableAt,
        uint64 claimDeadline
    );
    /// @notice A committed epoch was voided before anything was paid; its escrow went back to the treasury.
    event EpochVoided(address indexed community, uint64 indexed epoch, address indexed by, bytes32 reasonHash);
    /// @notice A member claimed its reward of an epoch (leaf `index`).
    event RewardClaimed(address indexed community, uint64 indexed epoch, address indexed member, uint256 index, uint256 amount);
    /// @notice One pushed batch: `paidCount` leaves paid `paidAmount` in all; `alreadyPaid` leaves were skipped
    /// as paid before (a claim, or a batch re-sent after a crash), `notMembers` as not active members.
    event RewardsPushed(
        address indexed community,
        uint64 indexed epoch,
        uint256 paidCount,
        uint256 paidAmount,
        uint256 alreadyPaid,
        uint256 notMembers
    );
    /// @notice A pushed leaf was skipped because `member` is not an active member; it stays claimable.
    event RewardSkipped(address indexed community, uint64 indexed epoch, address indexed member, uint256 index);
    /// @notice The unpaid rest of an epoch went back to the community treasury after the claim deadline.
    event EpochReleased(address indexed community, uint64 indexed epoch, uint256 unpaid);
    /// @notice Revision `revision` of an epoch was committed; its top-ups are payable from `payableAt`.
    event RevisionCommitted(
        address indexed community,
        uint64 indexed epoch,
        uint32 indexed revision,
        RevisionCommitment commitment,
        uint64 payableAt,
        uint64 claimDeadline
    );
    /// @notice A revision was voided before anything of it was paid; its escrow went back to the treasury.
    event RevisionVoided(
        address indexed community, uint64 indexed epoch, uint32 indexed revision, address by, bytes32 reasonHash
    );
    /// @notice A member claimed its top-up of a revision (leaf `index`).
    event RevisionRewardClaimed(
        address indexed community, uint64 indexed epoch, uint32 indexed revision, address member, uint256 index, uint256 amount
    );
    /// @notice One pushed batch of a revision (see RewardsPushed).
    event RevisionRewardsPushed(
        address indexed community,
        uint64 indexed epoch,
        uint32 indexed revision,
        uint256 paidCount,
        uint256 paidAmount,
        uint256 alreadyPaid,
        uint256 notMembers
    );
    /// @notice A pushed leaf of a revision was skipped: `member` is not an active member; it stays claimable.
    event RevisionRewardSkipped(
        address indexed community, uint64 indexed epoch, uint32 indexed revision, address member, uint256 index
    );
    /// @notice The unpaid rest of a revision went back to the treasury after its claim deadline.
    event RevisionReleased(address indexed community, uint64 indexed epoch, uint32 indexed revision, uint256 unpaid);
    /// @notice The challenge window for new commits changed.
    event ChallengeWindowSet(uint64 challengeWindow);
    /// @notice The claim window for new commits changed.
    event ClaimWindowSet(uint64 claimWindow);

    error ZeroAddress();
    error UnknownCommunity(address community);
    error EpochAlreadyCommitted(address community, uint64 epoch);
    error EpochOutOfOrder(address community, uint64 epoch, uint64 expected);
    error InvalidPeriod(uint64 periodStart, uint64 periodEnd);
    /// @notice The period has not ended yet: nobody can have data for its future.
    error PeriodNotOver(uint64 periodEnd, uint256 now_);
    error PeriodOverlapsPrevious(uint64 periodStart, uint64 previousEnd);
    error EmptyCommitment();
    error TooManyLeaves(uint256 leafCount, uint256 max);
    error TotalTooLarge(uint256 totalReward, uint256 max);
    error ModelNotActive(bytes32 modelId, bytes32 activeModelId);
    error VersionNotApplicable(uint32 modelVersion, uint32 applicableVersion);
    error UnknownEpoch(address community, uint64 epoch);
    error EpochNotOpen(address community, uint64 epoch, EpochStatus status);
    error ChallengeWindowOpen(uint64 payableAt);
    error EpochAlreadyPaid(address community, uint64 epoch, uint256 paidTotal);
    error AlreadyPaid(address community, uint64 epoch, uint256 index);
    error IndexOutOfRange(uint256 index, uint256 leafCount);
    error IndexesNotIncreasing(uint256 index, uint256 previous);
    error InvalidProof(uint256 index, address member, uint256 amount, bytes32 dataHash);
    error InvalidMultiproof();
    error ExceedsCommittedTotal(uint256 paidTotal, uint256 amount, uint256 totalReward);
    error BatchSize(uint256 size, uint256 max);
    error MalformedBatch(uint256 length);
    error ClaimWindowOpen(uint64 claimDeadline);
    error ChallengeWindowOutOfRange(uint64 window, uint64 max);
    error ClaimWindowOutOfRange(uint64 window, uint64 min, uint64 max);
    error NotCommunityAdmin(address community, address account);
    error RevisionAlreadyCommitted(address community, uint64 epoch, uint32 revision);
    error RevisionOutOfOrder(address community, uint64 epoch, uint32 revision, uint32 expected);
    error UnknownRevision(address community, uint64 epoch, uint32 revision);
    error RevisionNotOpen(address community, uint64 epoch, uint32 revision, EpochStatus status);
    /// @notice The epoch's claim window is over: its data can no longer be corrected on-chain.
    error ClaimWindowOver(uint64 claimDeadline);
    /// @notice A revised epoch cannot be voided: its history stays (correct it again instead).
    error EpochRevised(address community, uint64 epoch, uint32 revisions);
    error MissingReason();
    /// @notice The revision's challenge window is over: it stands (correct it with the next revision).
    error ChallengeWindowClosed(uint64 payableAt);

    /// @param platformAdmin receives DEFAULT_ADMIN_ROLE (grants roles, sets the windows, may void and release)
    /// @param oracle receives ORACLE_ROLE (commits)
    /// @param payer receives REWARD_PAYER_ROLE (pushes rewards)
    /// @param challengeWindow_ challenge window of new commits (0 on development chains, e.g. 24 h in production)
    constructor(
        address platformAdmin,
        address oracle,
        address payer,
        CommunityFactory factory_,
        ModelRegistry registry_,
        uint64 challengeWindow_
    ) {
        if (
            platformAdmin == address(0) || oracle == address(0) || payer == address(0)
                || address(factory_) == address(0) || address(registry_) == address(0)
        ) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, platformAdmin);
        _grantRole(ORACLE_ROLE, oracle);
        _grantRole(REWARD_PAYER_ROLE, payer);
        factory = factory_;
        registry = registry_;
        _setChallengeWindow(challengeWindow_);
    }

    // ------------------------------------------------------------------ commit

    /// @notice Commits epoch `epoch` of `community` and escrows its total reward from the treasury.
    /// @dev Requirements: epochs numbered 1, 2, … each committed once; a period that is over
    /// (`periodEnd` ≤ now) and starts at or after the end of the latest epoch not voided; a non-empty
    /// commitment; the model and version the registry says rule a period starting at `periodStart`;
    /// a total within the Token Admin's ceiling and the treasury. Emits EpochCommitted.
    function commitEpoch(address community, uint64 epoch, Commitment calldata c) external onlyRole(ORACLE_ROLE) {
        if (!factory.isCommunity(community)) revert UnknownCommunity(community);
        CommunityEpochs storage ce = _communities[community];
        uint64 count = ce.count;
        if (epoch != count + 1) {
            if (epoch != 0 && epoch <= count) revert EpochAlreadyCommitted(community, epoch);
            revert EpochOutOfOrder(community, epoch, count + 1);
        }
        _checkCommitment(community, ce.tip, c);

        uint40 payableAt = uint40(block.timestamp + challengeWindow);
        uint40 claimDeadline = payableAt + uint40(claimWindow);
        ce.count = epoch;
        ce.tip = epoch;
        Record storage r = _epochs[community][epoch];
        r.totalReward = uint96(c.totalReward);
        r.leafCount = uint24(c.leafCount);
        r.payableAt = payableAt;
        r.merkleRoot = c.merkleRoot;
        r.periodStart = c.periodStart;
        r.periodEnd = c.periodEnd;
        r.committedAt = uint40(block.timestamp);
        r.claimDeadline = claimDeadline;
        r.status = EpochStatus.Committed;
        r.modelVersion = c.modelVersion;
        r.modelId = c.modelId;
        emit EpochCommitted(community, epoch, c.merkleRoot, c, payableAt, claimDeadline);
        if (c.totalReward > 0) CommunityToken(community).escrowRewards(c.totalReward);
    }

    /// @notice Voids a committed epoch before anything of it was paid (a wrong period, a wrong root, a stolen
    /// oracle key): it pays nothing, its escrow goes back to the treasury, and when it is the latest epoch
    /// its period may be committed again (as a new epoch number).
    /// @dev Allowed to the community's Community Admin and the platform admin. Emits EpochVoided.
    /// @param reasonHash hash of the reason, kept off-chain
    function voidEpoch(address community, uint64 epoch, bytes32 reasonHash) external {
        _requireCommunityAdmin(community);
        Record storage r = _openRecord(community, epoch);
        if (r.paidTotal > 0) revert EpochAlreadyPaid(community, epoch, r.paidTotal);
        uint32 revisions = _revisionCounts[community][epoch];
        if (revisions != 0) revert EpochRevised(community, epoch, revisions);
        r.status = EpochStatus.Voided;
        r.payableAt = _CLOSED;
        CommunityEpochs storage ce = _communities[community];
        if (ce.tip == epoch) ce.tip = _previousNotVoided(community, epoch);
        emit EpochVoided(community, epoch, _msgSender(), reasonHash);
        if (r.totalReward > 0) CommunityToken(community).returnRewards(r.totalReward);
    }

    // -------------------------------------------------------------- revisions

    /// @notice Commits revision `revision` of a committed epoch whose data was corrected, and escrows its extra.
    /// @dev Requirements: revisions numbered 1, 2, … per epoch, each committed once; the epoch committed, not
    /// voided or released, past its challenge window (before it, void and commit again) and before its claim
    /// deadline; a non-empty commitment with a reason hash; an extra within the ceiling and the treasury.
    /// The revision gets its own challenge window and claim deadline. Emits RevisionCommitted.
    function commitRevision(address community, uint64 epoch, uint32 revision, RevisionCommitment calldata c)
        external
        onlyRole(ORACLE_ROLE)
    {
        Record storage e = _openRecord(community, epoch);
        if (block.timestamp < e.payableAt) revert ChallengeWindowOpen(e.payableAt);
        if (block.timestamp >= e.claimDeadline) revert ClaimWindowOver(e.claimDeadline);
        uint32 count = _revisionCounts[community][epoch];
        if (revision != count + 1) {
            if (revision != 0 && revision <= count) revert RevisionAlreadyCommitted(community, epoch, revision);
            revert RevisionOutOfOrder(community, epoch, revision, count + 1);
        }
        if (c.merkleRoot == bytes32(0) || c.datasetHash == bytes32(0) || c.leafCount == 0) revert EmptyCommitment();
        if (c.reasonHash == bytes32(0)) revert MissingReason();
        if (c.leafCount > MAX_LEAVES) revert TooManyLeaves(c.leafCount, MAX_LEAVES);
        if (c.extraReward > MAX_TOTAL_REWARD) revert TotalTooLarge(c.extraReward, MAX_TOTAL_REWARD);
        if (c.totalReward > MAX_TOTAL_REWARD) revert TotalTooLarge(c.totalReward, MAX_TOTAL_REWARD);

        uint40 payableAt = uint40(block.timestamp + challengeWindow);
        uint40 claimDeadline = payableAt + uint40(claimWindow);
        _revisionCounts[community][epoch] = revision;
        Record storage r = _revisions[community][epoch][revision];
        r.totalReward = uint96(c.extraReward);
        r.leafCount = uint24(c.leafCount);
        r.payableAt = payableAt;
        r.merkleRoot = c.merkleRoot;
        r.periodStart = e.periodStart;
        r.periodEnd = e.periodEnd;
        r.committedAt = uint40(block.timestamp);
        r.claimDeadline = claimDeadline;
        r.status = EpochStatus.Committed;
        r.modelVersion = e.modelVersion;
        r.modelId = e.modelId;
        emit RevisionCommitted(community, epoch, revision, c, payableAt, claimDeadline);
        if (c.extraReward > 0) CommunityToken(community).escrowRewards(c.extraReward);
    }

    /// @notice Voids a revision during its challenge window (nothing of it is paid then); its escrow goes back to
    /// the treasury. Its number stays used (the next revision takes the next number). Community Admin or platform
    /// admin. After the window the revision stands for good, also when it pays nothing: the oracle deducts its
    /// debts from later rewards, which a late void could not give back. A wrong revision is corrected by the next.
    function voidRevision(address community, uint64 epoch, uint32 revision, bytes32 reasonHash) external {
        _requireCommunityAdmin(community);
        Record storage r = _openRevision(community, epoch, revision);
        if (block.timestamp >= r.payableAt) revert ChallengeWindowClosed(r.payableAt);
        r.status = EpochStatus.Voided;
        r.payableAt = _CLOSED;
        emit RevisionVoided(community, epoch, revision, _msgSender(), reasonHash);
        if (r.totalReward > 0) CommunityToken(community).returnRewards(r.totalReward);
    }

    /// @notice Number of revisions committed for an epoch (voided ones included).
    function revisionCount(address community, uint64 epoch) external view returns (uint32) {
        return _revisionCounts[community][epoch];
    }

    /// @notice A committed revision, with its payment state.
    function getRevision(address community, uint64 epoch, uint32 revision) external view returns (Revision memory v) {
        Record storage r = _revisionRecord(community, epoch, revision);
        v.status = r.status;
        v.merkleRoot = r.merkleRoot;
        v.leafCount = r.leafCount;
        v.extraReward = r.totalReward;
        v.paidTotal = r.paidTotal;
        v.committedAt = r.committedAt;
        v.payableAt = r.status == EpochStatus.Committed ? r.payableAt : 0;
        v.claimDeadline = r.claimDeadline;
    }

    /// @notice True when leaf `index` of a revision was paid.
    function isRevisionPaid(address community, uint64 epoch, uint32 revision, uint256 index) public view returns (bool) {
        return _revisionPaidWords[community][epoch][revision][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice Take-out check of a revision: true when (index, member, top-up, dataHash) is a leaf of its root.
    function verifyRevisionTakeout(
        address community,
        uint64 epoch,
        uint32 revision,
        uint256 index,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Record storage r = _revisionRecord(community, epoch, revision);
        return MerkleProof.verifyCalldata(proof, r.merkleRoot, leafHash(index, member, amount, dataHash));
    }

    /// @notice Pays `member` its top-up of a revision against the revision's root (same rules as `claim`).
    function claimRevision(
        address community,
        uint64 epoch,
        uint32 revision,
        uint256 index,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof
    ) external {
        Record storage r = _revisionRecord(community, epoch, revision);
        mapping(uint256 => uint256) storage bitmap = _revisionPaidWords[community][epoch][revision];
        uint256 paidAfter = _claimable(r, bitmap, community, epoch, index, amount);
        if (!MerkleProof.verifyCalldata(proof, r.merkleRoot, _hashLeaf(index, member, amount, dataHash))) {
            revert InvalidProof(index, member, amount, dataHash);
        }
        bitmap[index >> 8] |= 1 << (index & 0xff);
        r.paidTotal = uint96(paidAfter);
        emit RevisionRewardClaimed(community, epoch, revision, member, index, amount);
        CommunityToken(community).payReward(member, amount);
    }

    /// @notice The payer pays a batch of top-ups of a revision under one multiproof (same rules as `pushRewards`).
    function pushRevisionRewards(
        address community,
        uint64 epoch,
        uint32 revision,
        bytes calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external onlyRole(REWARD_PAYER_ROLE) nonReentrant {
        Record storage r = _revisionRecord(community, epoch, revision);
        _verifyBatch(r, community, epoch, leaves, proof, proofFlags);
        _payBatch(r, _revisionPaidWords[community][epoch][revision], community, epoch, revision, leaves);
    }

    /// @notice After a revision's claim deadline, returns its unpaid rest to the treasury (Community Admin or
    /// platform admin).
    function releaseRevisionUnpaid(address community, uint64 epoch, uint32 revision) external {
        _requireCommunityAdmin(community);
        Record storage r = _openRevision(community, epoch, revision);
        if (block.timestamp < r.claimDeadline) revert ClaimWindowOpen(r.claimDeadline);
        r.status = EpochStatus.Released;
        r.payableAt = _CLOSED;
        uint256 unpaid = uint256(r.totalReward) - r.paidTotal;
        emit RevisionReleased(community, epoch, revision, unpaid);
        if (unpaid > 0) CommunityToken(community).returnRewards(unpaid);
    }

    // ------------------------------------------------------------------ views

    /// @notice Highest epoch number used by a community (voided epochs included).
    function epochCount(address community) external view returns (uint64) {
        return _communities[community].count;
    }

    /// @notice The latest epoch of a community that is not voided (0 when none).
    function latestEpoch(address community) external view returns (uint64) {
        return _communities[community].tip;
    }

    /// @inheritdoc ICommittedPeriods
    function lastPeriodEnd(address community) public view returns (uint64) {
        uint64 tip = _communities[community].tip;
        return tip == 0 ? 0 : _epochs[community][tip].periodEnd;
    }

    /// @notice A committed epoch, with its payment state.
    function getEpoch(address community, uint64 epoch) external view returns (Epoch memory e) {
        Record storage r = _record(community, epoch);
        e.status = r.status;
        e.periodStart = r.periodStart;
        e.periodEnd = r.periodEnd;
        e.merkleRoot = r.merkleRoot;
        e.modelId = r.modelId;
        e.modelVersion = r.modelVersion;
        e.leafCount = r.leafCount;
        e.totalReward = r.totalReward;
        e.paidTotal = r.paidTotal;
        e.committedAt = r.committedAt;
        e.payableAt = r.status == EpochStatus.Committed ? r.payableAt : 0;
        e.claimDeadline = r.claimDeadline;
    }

    /// @notice True when leaf `index` of an epoch was paid.
    function isPaid(address community, uint64 epoch, uint256 index) public view returns (bool) {
        return _paidWords[community][epoch][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice Number of leaves of an epoch already paid.
    function paidCount(address community, uint64 epoch) external view returns (uint256 count) {
        uint256 words = (uint256(_record(community, epoch).leafCount) + 255) >> 8;
        mapping(uint256 => uint256) storage bitmap = _paidWords[community][epoch];
        for (uint256 w = 0; w < words; ++w) {
            for (uint256 bits = bitmap[w]; bits != 0; bits &= bits - 1) ++count;
        }
    }

    /// @notice The StandardMerkleTree leaf of (index, member, amount, dataHash).
    function leafHash(uint256 index, address member, uint256 amount, bytes32 dataHash) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, member, amount, dataHash))));
    }

    /// @notice Take-out check: true when (index, member, amount, dataHash) is a leaf of the epoch's committed root.
    /// @dev Reverts UnknownEpoch for an epoch never committed; a voided epoch still answers (its root stays on record).
    function verifyTakeout(
        address community,
        uint64 epoch,
        uint256 index,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Record storage r = _record(community, epoch);
        return MerkleProof.verifyCalldata(proof, r.merkleRoot, leafHash(index, member, amount, dataHash));
    }

    // ---------------------------------------------------------------- payment

    /// @notice Pays `member` its reward of an epoch against the committed root. Anyone may send it;
    /// the tokens always go to `member`, who must be an active member.
    /// @dev Reverts while the challenge window is open, for a voided or released epoch, an index paid before
    /// or out of range, a bad proof, or a total beyond the commitment. Emits RewardClaimed and a Transfer.
    function claim(
        address community,
        uint64 epoch,
        uint256 index,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof
    ) external {
        Record storage r = _epochs[community][epoch];
        uint256 paidAfter = _claimable(r, _paidWords[community][epoch], community, epoch, index, amount);
        if (!MerkleProof.verifyCalldata(proof, r.merkleRoot, _hashLeaf(index, member, amount, dataHash))) {
            revert InvalidProof(index, member, amount, dataHash);
        }
        _paidWords[community][epoch][index >> 8] |= 1 << (index & 0xff);
        r.paidTotal = uint96(paidAfter);
        emit RewardClaimed(community, epoch, member, index, amount);
        CommunityToken(community).payReward(member, amount); // a zero reward too: only a member's leaf is paid
    }

    /// @notice The payer pays a batch of 1..MAX_BATCH leaves of an epoch under one multiproof.
    /// @dev `leaves` packs each leaf as uint24 index ‖ address member ‖ uint96 amount ‖ bytes32 dataHash
    /// (PACKED_LEAF_BYTES), indexes strictly increasing — the order OpenZeppelin's `getMultiProof` returns
    /// for an unsorted tree. Every leaf must be in the tree (else the whole batch reverts InvalidMultiproof).
    /// Leaves already paid are skipped (a re-sent batch pays nobody twice); the rest are credited through one
    /// call to the community token, which skips accounts that are not active members (a removed member, the
    /// zero address, the token itself): their leaves stay unpaid and claimable, each with RewardSkipped.
    /// Emits RewardsPushed once, and an ERC-20 Transfer per member paid.
    function pushRewards(
        address community,
        uint64 epoch,
        bytes calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external onlyRole(REWARD_PAYER_ROLE) nonReentrant {
        Record storage r = _epochs[community][epoch];
        _verifyBatch(r, community, epoch, leaves, proof, proofFlags);
        _payBatch(r, _paidWords[community][epoch], community, epoch, 0, leaves);
    }

    /// @notice After the claim deadline, returns the unpaid rest of an epoch to the community treasury;
    /// the epoch then pays nothing more. Allowed to the community's Community Admin and the platform admin.
    function releaseUnpaid(address community, uint64 epoch) external {
        _requireCommunityAdmin(community);
        Record storage r = _openRecord(community, epoch);
        if (block.timestamp < r.claimDeadline) revert ClaimWindowOpen(r.claimDeadline);
        r.status = EpochStatus.Released;
        r.payableAt = _CLOSED;
        uint256 unpaid = uint256(r.totalReward) - r.paidTotal;
        emit EpochReleased(community, epoch, unpaid);
        if (unpaid > 0) CommunityToken(community).returnRewards(unpaid);
    }

    /// @notice Sets the challenge window of future commits (platform admin), at most MAX_CHALLENGE_WINDOW.
    function setChallengeWindow(uint64 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setChallengeWindow(window);
    }

    /// @notice Sets the claim window of future commits (platform admin), within MIN_ and MAX_CLAIM_WINDOW.
    /// Epochs already committed keep the deadline they were committed with.
    function setClaimWindow(uint64 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window < MIN_CLAIM_WINDOW || window > MAX_CLAIM_WINDOW) {
            revert ClaimWindowOutOfRange(window, MIN_CLAIM_WINDOW, MAX_CLAIM_WINDOW);
        }
        claimWindow = window;
        emit ClaimWindowSet(window);
    }

    // ---------------------------------------------------------------- internals

    function _setChallengeWindow(uint64 window) private {
        if (window > MAX_CHALLENGE_WINDOW) revert ChallengeWindowOutOfRange(window, MAX_CHALLENGE_WINDOW);
        challengeWindow = window;
        emit ChallengeWindowSet(window);
    }

    function _checkCommitment(address community, uint64 tip, Commitment calldata c) private view {
        if (c.periodStart >= c.periodEnd) revert InvalidPeriod(c.periodStart, c.periodEnd);
        if (c.periodEnd > block.timestamp) revert PeriodNotOver(c.periodEnd, block.timestamp);
        if (tip != 0) {
            uint64 previousEnd = _epochs[community][tip].periodEnd;
            if (c.periodStart < previousEnd) revert PeriodOverlapsPrevious(c.periodStart, previousEnd);
        }
        if (c.merkleRoot == bytes32(0) || c.datasetHash == bytes32(0) || c.leafCount == 0) revert EmptyCommitment();
        if (c.leafCount > MAX_LEAVES) revert TooManyLeaves(c.leafCount, MAX_LEAVES);
        if (c.totalReward > MAX_TOTAL_REWARD) revert TotalTooLarge(c.totalReward, MAX_TOTAL_REWARD);
        (bytes32 model, uint32 version) = registry.modelForPeriod(community, c.periodStart);
        if (c.modelId != model) revert ModelNotActive(c.modelId, model);
        if (c.modelVersion != version) revert VersionNotApplicable(c.modelVersion, version);
    }

    function _requireCommunityAdmin(address community) private view {
        address caller = _msgSender();
        if (!hasRole(DEFAULT_ADMIN_ROLE, caller) && !IAccessControl(community).hasRole(COMMUNITY_ADMIN_ROLE, caller)) {
            revert NotCommunityAdmin(community, caller);
        }
    }

    function _record(address community, uint64 epoch) private view returns (Record storage r) {
        r = _epochs[community][epoch];
        if (r.status == EpochStatus.None) revert UnknownEpoch(community, epoch);
    }

    function _openRecord(address community, uint64 epoch) private view returns (Record storage r) {
        r = _record(community, epoch);
        if (r.status != EpochStatus.Committed) revert EpochNotOpen(community, epoch, r.status);
    }

    function _revisionRecord(address community, uint64 epoch, uint32 revision) private view returns (Record storage r) {
        r = _revisions[community][epoch][revision];
        if (r.status == EpochStatus.None) revert UnknownRevision(community, epoch, revision);
    }

    function _openRevision(address community, uint64 epoch, uint32 revision) private view returns (Record storage r) {
        r = _revisionRecord(community, epoch, revision);
        if (r.status != EpochStatus.Committed) revert RevisionNotOpen(community, epoch, revision, r.status);
    }

    /// @dev Checks a packed batch's size and that every leaf is in the root of `r` (payable now).
    function _verifyBatch(
        Record storage r,
        address community,
        uint64 epoch,
        bytes calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) private view {
        bytes32[] memory hashes = _batchHashes(r, community, epoch, leaves);
        if (!MerkleProof.multiProofVerifyCalldata(proof, proofFlags, r.merkleRoot, hashes)) revert InvalidMultiproof();
    }

    function _batchHashes(Record storage r, address community, uint64 epoch, bytes calldata leaves)
        private
        view
        returns (bytes32[] memory)
    {
        uint256 n = leaves.length / PACKED_LEAF_BYTES;
        if (n == 0 || n > MAX_BATCH) revert BatchSize(n, MAX_BATCH);
        if (leaves.length % PACKED_LEAF_BYTES != 0) revert MalformedBatch(leaves.length);
        (,, uint256 leafCount) = _payableState(r, community, epoch);
        return _leafHashes(leaves, leafCount);
    }

    /// @dev Reads slot 0 once: total, paid and leaf count of an epoch that is payable now.
    function _payableState(Record storage r, address community, uint64 epoch)
        private
        view
        returns (uint256 total, uint256 paid, uint256 leafCount)
    {
        uint40 payableAt = r.payableAt;
        leafCount = r.leafCount;
        if (leafCount == 0) revert UnknownEpoch(community, epoch); // a commit has at least one leaf
        if (payableAt == _CLOSED) revert EpochNotOpen(community, epoch, r.status);
        if (block.timestamp < payableAt) revert ChallengeWindowOpen(payableAt);
        total = r.totalReward;
        paid = r.paidTotal;
    }

    /// @dev The paid total after claiming leaf `index` for `amount`, when the epoch pays now and the index is unpaid.
    function _claimable(
        Record storage r,
        mapping(uint256 => uint256) storage bitmap,
        address community,
        uint64 epoch,
        uint256 index,
        uint256 amount
    ) private view returns (uint256 paidAfter) {
        (uint256 total, uint256 paid, uint256 leafCount) = _payableState(r, community, epoch);
        if (index >= leafCount) revert IndexOutOfRange(index, leafCount);
        if (bitmap[index >> 8] & (1 << (index & 0xff)) != 0) revert AlreadyPaid(community, epoch, index);
        if (amount > total - paid) revert ExceedsCommittedTotal(paid, amount, total);
        return paid + amount;
    }

    function _previousNotVoided(address community, uint64 epoch) private view returns (uint64) {
        while (epoch > 1) {
            --epoch;
            if (_epochs[community][epoch].status != EpochStatus.Voided) return epoch;
        }
        return 0;
    }

    /// @dev The leaf hashes of a packed batch, checking that every index is below `leafCount` and that indexes
    /// strictly increase. Hot loop in assembly: one pass over calldata, two keccaks per leaf in scratch memory.
    function _leafHashes(bytes calldata leaves, uint256 leafCount) private pure returns (bytes32[] memory hashes) {
        uint256 n = leaves.length / PACKED_LEAF_BYTES;
        hashes = new bytes32[](n);
        uint256 failure; // 1: index out of range, 2: not increasing
        uint256 badIndex;
        uint256 previous;
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            let p := leaves.offset
            let out := add(hashes, 0x20)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let index := shr(232, calldataload(p))
                if iszero(lt(index, leafCount)) {
                    failure := 1
                    badIndex := index
                    break
                }
                if and(gt(i, 0), iszero(gt(index, previous))) {
                    failure := 2
                    badIndex := index
                    break
                }
                previous := index
                mstore(scratch, index)
                mstore(add(scratch, 0x20), shr(96, calldataload(add(p, 3))))
                mstore(add(scratch, 0x40), shr(160, calldataload(add(p, 23))))
                mstore(add(scratch, 0x60), calldataload(add(p, 35)))
                mstore(0x00, keccak256(scratch, 0x80))
                mstore(add(out, shl(5, i)), keccak256(0x00, 0x20))
                p := add(p, 67)
            }
        }
        if (failure == 1) revert IndexOutOfRange(badIndex, leafCount);
        if (failure == 2) revert IndexesNotIncreasing(badIndex, previous);
    }

    /// @dev Pays the verified leaves of a batch of an epoch (revision 0) or of a revision: marks the unpaid ones
    /// paid, checks the committed total, credits the members through the token, then takes back the marks of the
    /// leaves the token skipped. Emits the batch's event.
    function _payBatch(
        Record storage r,
        mapping(uint256 => uint256) storage bitmap,
        address community,
        uint64 epoch,
        uint32 revision,
        bytes calldata leaves
    ) private {
        (bytes32[] memory credits, uint256[] memory creditIndexes, uint256 paidAmount, uint256 alreadyPaid) =
            _markPaid(bitmap, leaves);
        _addPaid(r, paidAmount);
        uint256 notMembers = 0;
        if (credits.length > 0) {
            // The callee is the community's own token (created by the factory; `commitEpoch` checked it), whose
            // payRewards moves balances and calls nothing: no reentrancy, and the push functions are nonReentrant.
            // The writes below undo the marks of credits it skipped.
            // slither-disable-next-line reentrancy-no-eth
            (uint256 skipped, uint256 skippedAmount) = CommunityToken(community).payRewards(credits);
            if (skipped != 0) {
                notMembers = _unmarkSkipped(bitmap, community, epoch, revision, credits, creditIndexes, skipped);
                r.paidTotal -= uint96(skippedAmount);
                paidAmount -= skippedAmount;
            }
        }
        _emitBatch(community, epoch, revision, leaves.length / PACKED_LEAF_BYTES, paidAmount, alreadyPaid, notMembers);
    }

    /// @dev Adds `amount` to what `r` paid, never beyond its committed total.
    function _addPaid(Record storage r, uint256 amount) private {
        uint256 total = r.totalReward;
        uint256 paid = r.paidTotal;
        if (amount > total - paid) revert ExceedsCommittedTotal(paid, amount, total);
        r.paidTotal = uint96(paid + amount);
    }

    function _emitBatch(
        address community,
        uint64 epoch,
        uint32 revision,
        uint256 n,
        uint256 paidAmount,
        uint256 alreadyPaid,
        uint256 notMembers
    ) private {
        uint256 paidCount = n - alreadyPaid - notMembers;
        if (revision == 0) emit RewardsPushed(community, epoch, paidCount, paidAmount, alreadyPaid, notMembers);
        else emit RevisionRewardsPushed(community, epoch, revision, paidCount, paidAmount, alreadyPaid, notMembers);
    }

    /// @dev Sets the paid bit of every unpaid leaf (one storage write per 256-index word) and collects the
    /// token's credits — `bytes20(member) ‖ uint96(amount)`, which is exactly bytes 3..34 of a packed leaf —
    /// with their indexes.
    function _markPaid(mapping(uint256 => uint256) storage bitmap, bytes calldata leaves)
        private
        returns (bytes32[] memory credits, uint256[] memory creditIndexes, uint256 paidAmount, uint256 alreadyPaid)
    {
        credits = new bytes32[](leaves.length / PACKED_LEAF_BYTES);
        creditIndexes = new uint256[](leaves.length / PACKED_LEAF_BYTES);
        assembly ("memory-safe") {
            mstore(credits, 0) // both arrays grow as credits are made
            mstore(creditIndexes, 0)
            let wordIndex := not(0)
            let wordSlot := 0
            let word := 0
            for { let p := leaves.offset } lt(p, add(leaves.offset, leaves.length)) { p := add(p, 67) } {
                let index := shr(232, calldataload(p))
                if iszero(eq(shr(8, index), wordIndex)) {
                    if iszero(eq(wordIndex, not(0))) { sstore(wordSlot, word) }
                    wordIndex := shr(8, index)
                    mstore(0x00, wordIndex)
                    mstore(0x20, bitmap.slot)
                    wordSlot := keccak256(0x00, 0x40)
                    word := sload(wordSlot)
                }
                // slither-disable-next-line incorrect-shift (shl(shift, value): the bit `index mod 256`)
                switch and(word, shl(and(index, 0xff), 1))
                case 0 {
                    // slither-disable-next-line incorrect-shift
                    word := or(word, shl(and(index, 0xff), 1))
                    // every unpaid leaf is a credit, a zero reward too: the token checks its membership
                    let credit := calldataload(add(p, 3))
                    // < 200 amounts below 2^96 each: the sum cannot overflow
                    paidAmount := add(paidAmount, and(credit, 0xffffffffffffffffffffffff))
                    let c := add(mload(credits), 1)
                    mstore(credits, c)
                    mstore(add(credits, shl(5, c)), credit)
                    mstore(creditIndexes, c)
                    mstore(add(creditIndexes, shl(5, c)), index)
                }
                default { alreadyPaid := add(alreadyPaid, 1) }
            }
            sstore(wordSlot, word)
        }
    }

    /// @dev Clears the paid bits of the credits the token skipped (bit i of `skipped` = credits[i]) and names them.
    function _unmarkSkipped(
        mapping(uint256 => uint256) storage bitmap,
        address community,
        uint64 epoch,
        uint32 revision,
        bytes32[] memory credits,
        uint256[] memory creditIndexes,
        uint256 skipped
    ) private returns (uint256 count) {
        for (uint256 i = 0; i < credits.length; ++i) {
            if (skipped & (1 << i) == 0) continue;
            uint256 index = creditIndexes[i];
            bitmap[index >> 8] &= ~(1 << (index & 0xff));
            ++count;
            address member = address(bytes20(credits[i]));
            if (revision == 0) emit RewardSkipped(community, epoch, member, index);
            else emit RevisionRewardSkipped(community, epoch, revision, member, index);
        }
    }

    /// @dev `leafHash` without allocating memory: the four words are hashed in the free memory area.
    function _hashLeaf(uint256 index, address member, uint256 amount, bytes32 dataHash)
        private
        pure
        returns (bytes32 h)
    {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, index)
            mstore(add(p, 0x20), member)
            mstore(add(p, 0x40), amount)
            mstore(add(p, 0x60), dataHash)
            mstore(0x00, keccak256(p, 0x80))
            h := keccak256(0x00, 0x20)
        }
    }
}
