// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {CommunityFactory} from "./CommunityFactory.sol";
import {CommunityToken} from "./CommunityToken.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {Roles} from "./Roles.sol";

/// @title ConsumptionNotary
/// @notice Notary of the consumption data behind every reward, and the reward payer.
/// For a community and an epoch the oracle commits once a Merkle root over one leaf per member,
/// binding (member, reward amount, hash of the member's salted canonical readings), together
/// with the model and version used, the hash of the whole dataset, the number of leaves and the
/// total reward. The data itself never comes on-chain; an auditor checks a member's data with
/// `verifyTakeout`. Rewards are paid only against a committed root — claimed by proof or pushed
/// by the oracle in bounded batches — each leaf at most once and never beyond the committed total.
/// @dev Leaves follow OpenZeppelin's StandardMerkleTree with leaf encoding
/// ["address", "uint256", "bytes32"]: keccak256(bytes.concat(keccak256(abi.encode(member, amount, dataHash)))).
contract ConsumptionNotary is AccessControl {
    bytes32 public constant ORACLE_ROLE = Roles.ORACLE;
    bytes32 public constant COMMUNITY_ADMIN_ROLE = Roles.COMMUNITY_ADMIN;

    /// @notice Most payments in one `pushRewards` call.
    uint256 public constant MAX_BATCH = 200;

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

    /// @notice A committed epoch and its payment state.
    struct Epoch {
        Commitment commitment;
        uint64 committedAt;
        uint32 paidCount;
        bool released;
        uint256 paidTotal;
    }

    /// @notice One pushed payment: a leaf and its proof.
    struct Payment {
        address member;
        uint256 amount;
        bytes32 dataHash;
        bytes32[] proof;
    }

    CommunityFactory public immutable factory;
    ModelRegistry public immutable registry;

    /// @notice Time after a commit during which rewards can be paid; afterwards the unpaid rest can be released.
    uint64 public claimWindow = 365 days;

    mapping(address => uint64) private _epochCount;
    mapping(address => mapping(uint64 => Epoch)) private _epochs;
    mapping(address => mapping(uint64 => mapping(address => bool))) private _paid;

    /// @notice An epoch was committed.
    event EpochCommitted(
        address indexed community,
        uint64 indexed epoch,
        bytes32 indexed merkleRoot,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32 modelId,
        uint32 modelVersion,
        bytes32 datasetHash,
        uint32 leafCount,
        uint256 totalReward
    );
    /// @notice A member's reward of an epoch was paid (`pushed` by the oracle, or claimed).
    event RewardPaid(
        address indexed community, uint64 indexed epoch, address indexed member, uint256 amount, bool pushed
    );
    /// @notice A pushed payment was skipped because the leaf was already paid (e.g. claimed meanwhile).
    event RewardAlreadyPaid(address indexed community, uint64 indexed epoch, address indexed member);
    /// @notice The unpaid rest of an epoch went back to the community treasury after the claim window.
    event EpochReleased(address indexed community, uint64 indexed epoch, uint256 unpaid);
    /// @notice The claim window changed.
    event ClaimWindowSet(uint64 claimWindow);

    error UnknownCommunity(address community);
    error EpochAlreadyCommitted(address community, uint64 epoch);
    error EpochOutOfOrder(address community, uint64 epoch, uint64 expected);
    error InvalidPeriod(uint64 periodStart, uint64 periodEnd);
    error PeriodOverlapsPrevious(uint64 periodStart, uint64 previousEnd);
    error EmptyCommitment();
    error ModelNotActive(bytes32 modelId, bytes32 activeModelId);
    error VersionNotApplicable(uint32 modelVersion, uint32 applicableVersion);
    error UnknownEpoch(address community, uint64 epoch);
    error EpochIsReleased(address community, uint64 epoch);
    error AlreadyPaid(address community, uint64 epoch, address member);
    error InvalidProof(address member, uint256 amount, bytes32 dataHash);
    error ExceedsCommittedTotal(uint256 paidTotal, uint256 amount, uint256 totalReward);
    error ExceedsLeafCount(uint32 leafCount);
    error BatchSize(uint256 size, uint256 max);
    error ClaimWindowOpen(uint64 endsAt);
    error NotCommunityAdmin(address community, address account);

    /// @param platformAdmin receives DEFAULT_ADMIN_ROLE (grants ORACLE_ROLE)
    /// @param oracle receives ORACLE_ROLE
    constructor(address platformAdmin, address oracle, CommunityFactory factory_, ModelRegistry registry_) {
        _grantRole(DEFAULT_ADMIN_ROLE, platformAdmin);
        _grantRole(ORACLE_ROLE, oracle);
        factory = factory_;
        registry = registry_;
    }

    // ------------------------------------------------------------------ commit

    /// @notice Commits epoch `epoch` of `community`: epochs are numbered 1, 2, … and committed once, in
    /// order, over periods that do not overlap. The model must be the community's active model and the
    /// version the one that applies to this epoch. Sets `totalReward` aside in the community treasury.
    function commitEpoch(address community, uint64 epoch, Commitment calldata c) external onlyRole(ORACLE_ROLE) {
        if (!factory.isCommunity(community)) revert UnknownCommunity(community);
        uint64 count = _epochCount[community];
        if (epoch != 0 && epoch <= count) revert EpochAlreadyCommitted(community, epoch);
        if (epoch != count + 1) revert EpochOutOfOrder(community, epoch, count + 1);
        if (c.periodStart >= c.periodEnd) revert InvalidPeriod(c.periodStart, c.periodEnd);
        if (count > 0) {
            uint64 previousEnd = _epochs[community][count].commitment.periodEnd;
            if (c.periodStart < previousEnd) revert PeriodOverlapsPrevious(c.periodStart, previousEnd);
        }
        if (c.merkleRoot == bytes32(0) || c.datasetHash == bytes32(0) || c.leafCount == 0) revert EmptyCommitment();
        (bytes32 active, uint32 applicable) = registry.modelForEpoch(community, epoch);
        if (c.modelId != active) revert ModelNotActive(c.modelId, active);
        if (c.modelVersion != applicable) revert VersionNotApplicable(c.modelVersion, applicable);

        _epochCount[community] = epoch;
        Epoch storage e = _epochs[community][epoch];
        e.commitment = c;
        e.committedAt = uint64(block.timestamp);
        emit EpochCommitted(
            community,
            epoch,
            c.merkleRoot,
            c.periodStart,
            c.periodEnd,
            c.modelId,
            c.modelVersion,
            c.datasetHash,
            c.leafCount,
            c.totalReward
        );
        if (c.totalReward > 0) CommunityToken(community).reserveRewards(c.totalReward);
    }

    // ------------------------------------------------------------------ views

    /// @notice Number of committed epochs of a community (the last epoch number).
    function epochCount(address community) external view returns (uint64) {
        return _epochCount[community];
    }

    /// @notice A committed epoch, with its payment state.
    function getEpoch(address community, uint64 epoch) public view returns (Epoch memory) {
        Epoch storage e = _epochs[community][epoch];
        if (e.committedAt == 0) revert UnknownEpoch(community, epoch);
        return e;
    }

    /// @notice True when the leaf of `member` in an epoch was paid.
    function isPaid(address community, uint64 epoch, address member) external view returns (bool) {
        return _paid[community][epoch][member];
    }

    /// @notice The StandardMerkleTree leaf of (member, amount, dataHash).
    function leafHash(address member, uint256 amount, bytes32 dataHash) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(member, amount, dataHash))));
    }

    /// @notice Take-out check: true when (member, amount, dataHash) is a leaf of the epoch's committed root.
    /// @dev Reverts UnknownEpoch for an epoch never committed.
    function verifyTakeout(
        address community,
        uint64 epoch,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof
    ) public view returns (bool) {
        Epoch storage e = _epochs[community][epoch];
        if (e.committedAt == 0) revert UnknownEpoch(community, epoch);
        return MerkleProof.verifyCalldata(proof, e.commitment.merkleRoot, leafHash(member, amount, dataHash));
    }

    // ---------------------------------------------------------------- payment

    /// @notice Pays `member` its reward of an epoch against the committed root. Anyone may send it;
    /// the tokens always go to `member`.
    function claim(
        address community,
        uint64 epoch,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof
    ) external {
        Epoch storage e = _openEpoch(community, epoch);
        if (_paid[community][epoch][member]) revert AlreadyPaid(community, epoch, member);
        _pay(community, epoch, e, member, amount, dataHash, proof, false);
    }

    /// @notice The oracle pays a batch of leaves (1..MAX_BATCH). Members already paid are skipped with
    /// RewardAlreadyPaid (their proof is not checked: they can be paid no more), so a batch re-sent after a
    /// crash pays nobody twice; a bad proof of an unpaid leaf fails the whole batch.
    function pushRewards(address community, uint64 epoch, Payment[] calldata payments) external onlyRole(ORACLE_ROLE) {
        if (payments.length == 0 || payments.length > MAX_BATCH) revert BatchSize(payments.length, MAX_BATCH);
        Epoch storage e = _openEpoch(community, epoch);
        for (uint256 i = 0; i < payments.length; ++i) {
            Payment calldata p = payments[i];
            if (_paid[community][epoch][p.member]) {
                emit RewardAlreadyPaid(community, epoch, p.member);
                continue;
            }
            _pay(community, epoch, e, p.member, p.amount, p.dataHash, p.proof, true);
        }
    }

    /// @notice After the claim window, returns the unpaid rest of an epoch to the community treasury;
    /// the epoch then pays nothing more. Allowed to the community's Community Admin and the platform admin.
    function releaseUnpaid(address community, uint64 epoch) external {
        address caller = _msgSender();
        if (!hasRole(DEFAULT_ADMIN_ROLE, caller) && !CommunityToken(community).hasRole(COMMUNITY_ADMIN_ROLE, caller)) {
            revert NotCommunityAdmin(community, caller);
        }
        Epoch storage e = _openEpoch(community, epoch);
        uint64 endsAt = e.committedAt + claimWindow;
        if (block.timestamp < endsAt) revert ClaimWindowOpen(endsAt);
        e.released = true;
        uint256 unpaid = e.commitment.totalReward - e.paidTotal;
        emit EpochReleased(community, epoch, unpaid);
        if (unpaid > 0) CommunityToken(community).releaseRewards(unpaid);
    }

    /// @notice Sets the claim window (platform admin).
    function setClaimWindow(uint64 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        claimWindow = window;
        emit ClaimWindowSet(window);
    }

    // ---------------------------------------------------------------- internals

    function _openEpoch(address community, uint64 epoch) private view returns (Epoch storage e) {
        e = _epochs[community][epoch];
        if (e.committedAt == 0) revert UnknownEpoch(community, epoch);
        if (e.released) revert EpochIsReleased(community, epoch);
    }

    function _pay(
        address community,
        uint64 epoch,
        Epoch storage e,
        address member,
        uint256 amount,
        bytes32 dataHash,
        bytes32[] calldata proof,
        bool pushed
    ) private {
        if (!MerkleProof.verifyCalldata(proof, e.commitment.merkleRoot, leafHash(member, amount, dataHash))) {
            revert InvalidProof(member, amount, dataHash);
        }
        uint256 paidAfter = e.paidTotal + amount;
        if (paidAfter > e.commitment.totalReward) {
            revert ExceedsCommittedTotal(e.paidTotal, amount, e.commitment.totalReward);
        }
        if (e.paidCount >= e.commitment.leafCount) revert ExceedsLeafCount(e.commitment.leafCount);
        _paid[community][epoch][member] = true;
        e.paidTotal = paidAfter;
        e.paidCount += 1;
        emit RewardPaid(community, epoch, member, amount, pushed);
        if (amount > 0) CommunityToken(community).payReward(member, amount);
    }
}
