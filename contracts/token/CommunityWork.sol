// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommunityTokenBase} from "./CommunityTokenBase.sol";

/// @title CommunityWork
/// @notice Work for the community (categories 6–8): a member asks to be paid, the Community Admin
/// approves (the treasury pays, fee-free) or rejects.
abstract contract CommunityWork is CommunityTokenBase {
    /// @notice Lifecycle of a request for payment of work done for the community.
    enum WorkStatus {
        None,
        Pending,
        Paid,
        Rejected
    }

    struct WorkRequest {
        address member;
        Category category;
        WorkStatus status;
        uint16 structureShareBps;
        address structure;
        uint256 amount;
        bytes32 workRef;
    }

    /// @notice Number of work requests ever made (ids are 1..workRequestCount).
    uint256 public workRequestCount;

    mapping(uint256 => WorkRequest) private _workRequests;

    /// @notice A member asked to be paid for work done for the community (categories 6–8).
    event CommunityWorkRequested(
        uint256 indexed id,
        address indexed member,
        Category indexed category,
        uint256 amount,
        bytes32 workRef,
        address structure,
        uint16 structureShareBps
    );
    /// @notice The Community Admin approved a work request; the treasury paid it.
    event CommunityWorkPaid(uint256 indexed id, address indexed member, uint256 memberReceived, uint256 structureReceived);
    /// @notice The Community Admin rejected a work request.
    event CommunityWorkRejected(uint256 indexed id, bytes32 reasonRef);

    error CategoryNotCommunityWork(Category category);
    error UnknownWorkRequest(uint256 id);
    error WorkRequestNotPending(uint256 id, WorkStatus status);

    /// @notice A request for payment of community work.
    function workRequest(uint256 id) external view returns (WorkRequest memory) {
        if (_workRequests[id].status == WorkStatus.None) revert UnknownWorkRequest(id);
        return _workRequests[id];
    }

    /// @notice A member asks to be paid by the treasury for work done for the community (categories 6–8).
    /// @param structure for category 8, the stakeholder whose room or facility was used (else zero)
    /// @param structureShareBps for category 8, the structure owner's share (else zero)
    /// @return id the request id
    function requestCommunityWork(
        Category category,
        uint256 amount,
        bytes32 workRef,
        address structure,
        uint16 structureShareBps
    ) external returns (uint256 id) {
        address member = _msgSender();
        if (amount == 0) revert ZeroAmount();
        MemberKind kind = _activeKind(member);
        if (kind != _workKind(category)) revert KindMismatch(category, kind, MemberKind.None);
        _checkStructure(category == Category.CitizenToCommunityWithStructure, structure, structureShareBps);
        id = ++workRequestCount;
        _workRequests[id] = WorkRequest({
            member: member,
            category: category,
            status: WorkStatus.Pending,
            structureShareBps: structureShareBps,
            structure: structure,
            amount: amount,
            workRef: workRef
        });
        emit CommunityWorkRequested(id, member, category, amount, workRef, structure, structureShareBps);
    }

    /// @notice Approves a pending work request: the treasury pays the member (and the structure owner its share), fee-free.
    function approveCommunityWork(uint256 id) external onlyRole(COMMUNITY_ADMIN_ROLE) {
        WorkRequest storage w = _pendingWork(id);
        w.status = WorkStatus.Paid;
        uint256 toStructure = (w.amount * w.structureShareBps) / BPS_DENOMINATOR;
        uint256 toMember = w.amount - toStructure;
        if (treasuryAvailable() < w.amount) revert TreasuryInsufficient(treasuryAvailable(), w.amount);
        if (toStructure > 0) _payFromTreasury(w.structure, toStructure);
        _payFromTreasury(w.member, toMember);
        emit CommunityWorkPaid(id, w.member, toMember, toStructure);
    }

    /// @notice Rejects a pending work request; `reasonRef` points to the reason off-chain.
    function rejectCommunityWork(uint256 id, bytes32 reasonRef) external onlyRole(COMMUNITY_ADMIN_ROLE) {
        WorkRequest storage w = _pendingWork(id);
        w.status = WorkStatus.Rejected;
        emit CommunityWorkRejected(id, reasonRef);
    }

    function _workKind(Category category) private pure returns (MemberKind) {
        if (category == Category.CitizenToCommunity || category == Category.CitizenToCommunityWithStructure) {
            return MemberKind.Citizen;
        }
        if (category == Category.StakeholderToCommunity) return MemberKind.Stakeholder;
        revert CategoryNotCommunityWork(category);
    }

    function _pendingWork(uint256 id) private view returns (WorkRequest storage w) {
        w = _workRequests[id];
        if (w.status == WorkStatus.None) revert UnknownWorkRequest(id);
        if (w.status != WorkStatus.Pending) revert WorkRequestNotPending(id, w.status);
    }
}
