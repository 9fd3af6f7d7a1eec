// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommunityTokenBase} from "./CommunityTokenBase.sol";

/// @title Membership
/// @notice The community's members: added and removed by the Community Admin, each welcomed once with
/// the bonus of its kind (set by the Token Admin) paid from the treasury.
abstract contract Membership is CommunityTokenBase {
    /// @notice Most members in one `addMembers` call.
    uint256 public constant MAX_MEMBER_BATCH = 200;

    /// @notice Number of active members.
    uint256 public memberCount;

    mapping(MemberKind => uint256) private _welcomeBonus;

    /// @notice A member joined (or re-joined) the community.
    event MemberAdded(address indexed account, MemberKind kind, EnergyProfile profile);
    /// @notice A member left the community; their balance stays theirs but they receive nothing more.
    event MemberRemoved(address indexed account);
    /// @notice A member's energy profile changed (e.g. a consumer installed PV).
    event MemberProfileChanged(address indexed account, EnergyProfile profile);
    /// @notice The one-time welcome bonus was paid from the treasury.
    event WelcomeBonusPaid(address indexed account, MemberKind kind, uint256 amount);
    /// @notice The welcome amount for a member kind changed.
    event WelcomeBonusSet(MemberKind kind, uint256 amount);

    error BatchSize(uint256 size, uint256 max);
    error LengthMismatch();
    error InvalidKind();
    error InvalidProfile();
    error AlreadyMember(address account);

    /// @notice Welcome amount for a member kind.
    function welcomeBonus(MemberKind kind) external view returns (uint256) {
        return _welcomeBonus[kind];
    }

    /// @notice Adds `account` as a member; pays the welcome bonus of its kind the first time one is paid to it.
    /// @dev Reverts with TreasuryInsufficient (nothing changes) when the treasury cannot pay the bonus.
    function addMember(address account, MemberKind kind, EnergyProfile profile)
        external
        onlyRole(COMMUNITY_ADMIN_ROLE)
    {
        _addMember(account, kind, profile);
    }

    /// @notice Adds several members at once (1..MAX_MEMBER_BATCH), e.g. when a community is onboarded;
    /// all or none: any invalid entry or a treasury that cannot pay every bonus reverts the whole batch.
    function addMembers(address[] calldata accounts, MemberKind[] calldata kinds, EnergyProfile[] calldata profiles)
        external
        onlyRole(COMMUNITY_ADMIN_ROLE)
    {
        if (accounts.length == 0 || accounts.length > MAX_MEMBER_BATCH) {
            revert BatchSize(accounts.length, MAX_MEMBER_BATCH);
        }
        if (kinds.length != accounts.length || profiles.length != accounts.length) revert LengthMismatch();
        for (uint256 i = 0; i < accounts.length; ++i) {
            _addMember(accounts[i], kinds[i], profiles[i]);
        }
    }

    /// @notice Removes a member. Their balance stays theirs (they may still send it), but they receive nothing more.
    function removeMember(address account) external onlyRole(COMMUNITY_ADMIN_ROLE) {
        Member storage m = _members[account];
        if (!m.active) revert NotAMember(account);
        m.active = false;
        memberCount -= 1;
        emit MemberRemoved(account);
    }

    /// @notice Changes a member's energy profile.
    function setEnergyProfile(address account, EnergyProfile profile) external onlyRole(COMMUNITY_ADMIN_ROLE) {
        if (profile == EnergyProfile.None) revert InvalidProfile();
        Member storage m = _members[account];
        if (!m.active) revert NotAMember(account);
        m.profile = profile;
        emit MemberProfileChanged(account, profile);
    }

    /// @notice Sets the welcome amount of a member kind (applies to members who join afterwards).
    function setWelcomeBonus(MemberKind kind, uint256 amount) external onlyRole(TOKEN_ADMIN_ROLE) {
        _setWelcomeBonus(kind, amount);
    }

    function _setWelcomeBonus(MemberKind kind, uint256 amount) internal {
        if (kind == MemberKind.None) revert InvalidKind();
        _welcomeBonus[kind] = amount;
        emit WelcomeBonusSet(kind, amount);
    }

    function _addMember(address account, MemberKind kind, EnergyProfile profile) private {
        // the notary holds escrowed rewards: it must never become a member that could receive them as one
        if (account == address(0) || account == address(this) || account == rewardDistributor) {
            revert InvalidAccount(account);
        }
        if (kind == MemberKind.None) revert InvalidKind();
        if (profile == EnergyProfile.None) revert InvalidProfile();
        Member storage m = _members[account];
        if (m.active) revert AlreadyMember(account);
        m.kind = kind;
        m.profile = profile;
        m.active = true;
        m.joinedAt = uint64(block.timestamp);
        memberCount += 1;
        emit MemberAdded(account, kind, profile);
        // "welcomed" records a bonus actually paid: a member who joined while the bonus was 0 gets a later one
        uint256 bonus = _welcomeBonus[kind];
        if (!m.welcomed && bonus > 0) {
            m.welcomed = true;
            _payFromTreasury(account, bonus);
            emit WelcomeBonusPaid(account, kind, bonus);
        }
    }
}
