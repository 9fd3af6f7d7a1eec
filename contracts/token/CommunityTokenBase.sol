// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Roles} from "../Roles.sol";

/// @title CommunityTokenBase
/// @notice What every feature of a community token shares: the ERC-20 with permit, roles, pause,
/// the member register, the treasury (the token's own address) and the transfer fee.
/// @dev The one balance hook is `_update`: receivers must be members (or the treasury) and transfers
/// between two holders other than the treasury pay the fee. Feature contracts move money only through
/// `_update`, `_payFromTreasury` or `ERC20._update` for moves that are fee-free by rule.
abstract contract CommunityTokenBase is ERC20, ERC20Permit, AccessControl, Pausable {
    /// @notice Member kinds (DOMAIN: citizen = private person, stakeholder = business, PA, ...).
    enum MemberKind {
        None,
        Citizen,
        Stakeholder
    }

    /// @notice Energy profiles; prostormer = prosumer with storage.
    enum EnergyProfile {
        None,
        Consumer,
        Prosumer,
        Prostormer
    }

    /// @notice The eight action categories of the token economy (seed 001 §5.3.2), named payer → provider.
    /// @dev 1–5 are paid member to member with `payService`; 6–8 are work for the community,
    /// paid by the treasury on Community Admin approval.
    enum Category {
        None,
        CitizenToCitizen,
        CitizenToCitizenWithStructure,
        CitizenToStakeholder,
        StakeholderToStakeholder,
        StakeholderToCitizen,
        CitizenToCommunity,
        StakeholderToCommunity,
        CitizenToCommunityWithStructure
    }

    struct Member {
        MemberKind kind;
        EnergyProfile profile;
        bool active;
        bool welcomed;
        uint64 joinedAt;
    }

    /// @notice Constructor arguments, grouped.
    struct Config {
        string name;
        string symbol;
        address platformAdmin;
        address communityAdmin;
        address tokenAdmin;
        address rewardDistributor;
        uint256 welcomeCitizen;
        uint256 welcomeStakeholder;
        uint16 feeBps;
    }

    bytes32 public constant PLATFORM_ADMIN_ROLE = Roles.PLATFORM_ADMIN;
    bytes32 public constant COMMUNITY_ADMIN_ROLE = Roles.COMMUNITY_ADMIN;
    bytes32 public constant TOKEN_ADMIN_ROLE = Roles.TOKEN_ADMIN;

    /// @notice Denominator of every rate.
    uint16 public constant BPS_DENOMINATOR = 10_000;
    /// @notice Highest transfer fee: 20 %.
    uint16 public constant MAX_FEE_BPS = 2_000;

    /// @notice The reward contract (the notary): the only account that escrows and pays energy rewards.
    /// @dev Immutable: no role can later hand the reward escrow to another address.
    address public immutable rewardDistributor;

    /// @notice Fee on transfers between members, in basis points, paid to the treasury.
    uint16 public feeBps;

    mapping(address => Member) internal _members;

    /// @notice The transfer fee changed.
    event FeeSet(uint16 oldFeeBps, uint16 newFeeBps);
    /// @notice A member-to-member transfer: `sent` left the sender, `fee` went to the treasury, `received` arrived.
    event TransferWithFee(address indexed from, address indexed to, uint256 sent, uint256 fee, uint256 received);

    error ZeroAddress();
    error ZeroAmount();
    error InvalidAccount(address account);
    error NotAMember(address account);
    error ReceiverNotMember(address account);
    error FeeAboveCap(uint16 feeBps, uint16 maxFeeBps);
    /// @notice The fee was raised above what the payer accepted (between a quote and the payment).
    error FeeAboveLimit(uint16 feeBps, uint16 maxFeeBps);
    error TreasuryInsufficient(uint256 available, uint256 needed);
    error KindMismatch(Category category, MemberKind payerKind, MemberKind providerKind);
    error StructureRequired();
    error StructureNotAllowed();
    error StructureNotStakeholder(address structure);
    error ShareAboveWhole(uint16 shareBps);

    constructor(Config memory config) ERC20(config.name, config.symbol) ERC20Permit(config.name) {
        if (
            config.platformAdmin == address(0) || config.communityAdmin == address(0) || config.tokenAdmin == address(0)
                || config.rewardDistributor == address(0)
        ) revert ZeroAddress();
        if (config.feeBps > MAX_FEE_BPS) revert FeeAboveCap(config.feeBps, MAX_FEE_BPS);
        _grantRole(DEFAULT_ADMIN_ROLE, config.platformAdmin);
        _grantRole(PLATFORM_ADMIN_ROLE, config.platformAdmin);
        _grantRole(COMMUNITY_ADMIN_ROLE, config.communityAdmin);
        _grantRole(TOKEN_ADMIN_ROLE, config.tokenAdmin);
        rewardDistributor = config.rewardDistributor;
        feeBps = config.feeBps;
        emit FeeSet(0, config.feeBps);
    }

    // ------------------------------------------------------------------ views

    /// @notice The community treasury ("control wallet"): this contract's own address.
    function treasury() public view returns (address) {
        return address(this);
    }

    /// @notice Treasury tokens free to spend (rewards of committed epochs are escrowed by the notary, not here).
    function treasuryAvailable() public view returns (uint256) {
        return balanceOf(address(this));
    }

    /// @notice Membership record of `account` (kind None when never a member).
    function memberInfo(address account)
        external
        view
        returns (MemberKind kind, EnergyProfile profile, bool active, bool welcomed, uint64 joinedAt)
    {
        Member storage m = _members[account];
        return (m.kind, m.profile, m.active, m.welcomed, m.joinedAt);
    }

    /// @notice True when `account` is an active member.
    function isMember(address account) public view returns (bool) {
        return _members[account].active;
    }

    // ------------------------------------------------------------------ fee

    /// @notice Sets the transfer fee (at most MAX_FEE_BPS).
    function setFeeBps(uint16 newFeeBps) external onlyRole(TOKEN_ADMIN_ROLE) {
        if (newFeeBps > MAX_FEE_BPS) revert FeeAboveCap(newFeeBps, MAX_FEE_BPS);
        emit FeeSet(feeBps, newFeeBps);
        feeBps = newFeeBps;
    }

    /// @notice `transfer` that reverts when the fee is above `maxFeeBps` (the rate the sender was shown).
    function transferWithMaxFee(address to, uint256 value, uint16 maxFeeBps) external returns (bool) {
        _requireFeeAtMost(maxFeeBps);
        _transfer(_msgSender(), to, value);
        return true;
    }

    // ------------------------------------------------------------------ pause

    /// @notice Stops every payment (transfers, services, bonuses, rewards); reads keep working.
    function pause() external onlyRole(PLATFORM_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lifts a pause.
    function unpause() external onlyRole(PLATFORM_ADMIN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- internals

    /// @dev Every balance change passes here: pause, receiver must be a member (or the treasury),
    /// and transfers between two holders other than the treasury pay the fee.
    function _update(address from, address to, uint256 value) internal virtual override whenNotPaused {
        if (to != address(0) && to != address(this) && !_members[to].active) revert ReceiverNotMember(to);
        if (from == address(0) || from == address(this) || to == address(0) || to == address(this)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / BPS_DENOMINATOR;
        if (fee > 0) super._update(from, address(this), fee);
        super._update(from, to, value - fee);
        emit TransferWithFee(from, to, value, fee, value - fee);
    }

    function _payFromTreasury(address to, uint256 amount) internal {
        uint256 available = treasuryAvailable();
        if (available < amount) revert TreasuryInsufficient(available, amount);
        _update(address(this), to, amount);
    }

    function _requireFeeAtMost(uint16 maxFeeBps) internal view {
        if (feeBps > maxFeeBps) revert FeeAboveLimit(feeBps, maxFeeBps);
    }

    /// @dev The kind of an active member; reverts NotAMember otherwise.
    function _activeKind(address account) internal view returns (MemberKind) {
        Member storage m = _members[account];
        if (!m.active) revert NotAMember(account);
        return m.kind;
    }

    /// @dev The kind of an active member receiving a payment; reverts ReceiverNotMember otherwise.
    function _receivingKind(address account) internal view returns (MemberKind) {
        Member storage m = _members[account];
        if (!m.active) revert ReceiverNotMember(account);
        return m.kind;
    }

    /// @dev A structure (room, facility) is a stakeholder member, required where `needed` and refused elsewhere.
    function _checkStructure(bool needed, address structure, uint16 shareBps) internal view {
        if (!needed) {
            if (structure != address(0) || shareBps != 0) revert StructureNotAllowed();
            return;
        }
        if (structure == address(0)) revert StructureRequired();
        if (shareBps > BPS_DENOMINATOR) revert ShareAboveWhole(shareBps);
        Member storage s = _members[structure];
        if (!s.active || s.kind != MemberKind.Stakeholder) revert StructureNotStakeholder(structure);
    }
}
