// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {CommunityTokenBase} from "./CommunityTokenBase.sol";

/// @title RewardEscrow
/// @notice Energy rewards: when an epoch is committed the notary (`rewardDistributor`) takes its total from
/// the treasury into escrow (never more than the Token Admin's per-epoch ceiling); rewards are paid from
/// the escrow to members; a voided epoch or the unpaid rest of a closed one goes back to the treasury.
/// @dev The escrow is the notary's balance of this token, so "reserved" and "held" cannot drift apart, and
/// the ERC-20 balance check stops the notary from paying more than it holds for this community.
abstract contract RewardEscrow is CommunityTokenBase {
    /// @notice Most entries in one `membersActive` query (one bit each in the answer).
    uint256 public constant MAX_MEMBER_QUERY = 256;

    /// @notice Highest total reward of one epoch of this community; 0 until the Token Admin sets it
    /// (fail closed: a stolen oracle key cannot commit more than this).
    uint256 public epochRewardCeiling;

    /// @notice The per-epoch reward ceiling changed.
    event EpochRewardCeilingSet(uint256 oldCeiling, uint256 newCeiling);
    /// @notice The notary took `amount` from the treasury into escrow for a committed epoch.
    event RewardsEscrowed(uint256 amount, uint256 escrowAfter);
    /// @notice The notary gave `amount` back from escrow to the treasury (a voided epoch, or the unpaid rest).
    event RewardsReturned(uint256 amount, uint256 escrowAfter);

    error NotRewardDistributor(address caller);
    error RewardAboveCeiling(uint256 amount, uint256 ceiling);
    error QueryTooLarge(uint256 size, uint256 max);

    modifier onlyRewardDistributor() {
        if (_msgSender() != rewardDistributor) revert NotRewardDistributor(_msgSender());
        _;
    }

    /// @notice Tokens escrowed for committed, not yet paid rewards.
    function rewardReserve() external view returns (uint256) {
        return balanceOf(rewardDistributor);
    }

    /// @notice Bit i of `mask` is set when `accounts[i]` is an active member (at most MAX_MEMBER_QUERY accounts).
    function membersActive(address[] calldata accounts) external view returns (uint256 mask) {
        if (accounts.length > MAX_MEMBER_QUERY) revert QueryTooLarge(accounts.length, MAX_MEMBER_QUERY);
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (_members[accounts[i]].active) mask |= 1 << i;
        }
    }

    /// @notice Sets the highest total reward one epoch of this community may commit.
    function setEpochRewardCeiling(uint256 ceiling) external onlyRole(TOKEN_ADMIN_ROLE) {
        emit EpochRewardCeilingSet(epochRewardCeiling, ceiling);
        epochRewardCeiling = ceiling;
    }

    /// @notice Takes `amount` from the treasury into the notary's escrow (at commit).
    /// @dev Reverts RewardAboveCeiling above the Token Admin's ceiling, TreasuryInsufficient beyond the treasury.
    /// Allowed while paused: it moves tokens between the treasury and the escrow, to nobody else.
    function escrowRewards(uint256 amount) external onlyRewardDistributor {
        if (amount > epochRewardCeiling) revert RewardAboveCeiling(amount, epochRewardCeiling);
        uint256 available = treasuryAvailable();
        if (available < amount) revert TreasuryInsufficient(available, amount);
        ERC20._update(address(this), rewardDistributor, amount);
        emit RewardsEscrowed(amount, balanceOf(rewardDistributor));
    }

    /// @notice Gives `amount` of the escrow back to the treasury (a voided epoch, or the unpaid rest of a closed one).
    /// Allowed while paused, like `escrowRewards`.
    function returnRewards(uint256 amount) external onlyRewardDistributor {
        ERC20._update(rewardDistributor, address(this), amount);
        emit RewardsReturned(amount, balanceOf(rewardDistributor));
    }

    /// @notice Pays one reward from escrow to an active member (a claim); a zero reward only checks membership.
    function payReward(address member, uint256 amount) external onlyRewardDistributor whenNotPaused {
        if (!_members[member].active) revert ReceiverNotMember(member);
        if (amount > 0) ERC20._update(rewardDistributor, member, amount);
    }

    /// @notice Pays a batch of at most MAX_MEMBER_QUERY rewards from escrow; each credit is
    /// `bytes20(member) ‖ uint96(amount)`. Credits to accounts that are not active members are skipped, not paid;
    /// a zero credit of a member moves nothing.
    /// @dev One call per pushed batch: an ERC-20 Transfer per member paid and no other event (the notary emits
    /// the batch's, and one per skipped leaf).
    /// @return skipped bit i set when credits[i] was skipped
    /// @return skippedAmount the sum of the skipped credits (it stays in escrow)
    function payRewards(bytes32[] calldata credits)
        external
        onlyRewardDistributor
        whenNotPaused
        returns (uint256 skipped, uint256 skippedAmount)
    {
        if (credits.length > MAX_MEMBER_QUERY) revert QueryTooLarge(credits.length, MAX_MEMBER_QUERY);
        address from = rewardDistributor;
        for (uint256 i = 0; i < credits.length; ++i) {
            bytes32 credit = credits[i];
            address member = address(bytes20(credit));
            uint256 amount = uint96(uint256(credit));
            if (_members[member].active) {
                if (amount > 0) ERC20._update(from, member, amount);
            } else {
                skipped |= 1 << i;
                skippedAmount += amount;
            }
        }
    }
}
