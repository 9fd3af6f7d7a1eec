// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommunityTokenBase} from "./token/CommunityTokenBase.sol";
import {Membership} from "./token/Membership.sol";
import {ServicePayments} from "./token/ServicePayments.sol";
import {CommunityWork} from "./token/CommunityWork.sol";
import {RewardEscrow} from "./token/RewardEscrow.sol";

/// @title CommunityToken
/// @notice The token of one Local Energy Community. Only members (and the community treasury, which is
/// this contract's own address) hold or receive it; the notary holds the rewards of committed epochs in
/// escrow. Members get a welcome bonus once, transfers between members pay a fee to the treasury, service
/// payments carry incentives the Community Admin approved, work for the community is paid by the treasury,
/// stakeholders may buy tokens, and energy rewards are paid from the escrow by the notary.
/// @dev Created by CommunityFactory. Amounts have 18 decimals; rates are basis points (1/10 000).
/// Each feature lives in its own abstract contract under token/.
contract CommunityToken is Membership, ServicePayments, CommunityWork, RewardEscrow {
    mapping(bytes32 => bool) private _purchaseRefUsed;

    /// @notice A stakeholder bought tokens with fiat (off-chain payment `paymentRef`).
    event TokensPurchased(address indexed stakeholder, uint256 amount, bytes32 indexed paymentRef);
    /// @notice New tokens were minted into the treasury.
    event TreasuryFunded(uint256 amount, bytes32 indexed ref);

    error NotAStakeholder(address account);
    error PaymentRefInvalid(bytes32 paymentRef);

    /// @param config names, role holders, reward contract, welcome amounts and the fee.
    constructor(Config memory config) CommunityTokenBase(config) {
        _setWelcomeBonus(MemberKind.Citizen, config.welcomeCitizen);
        _setWelcomeBonus(MemberKind.Stakeholder, config.welcomeStakeholder);
    }

    /// @notice True when an off-chain payment reference was already used for a purchase.
    function purchaseRefUsed(bytes32 paymentRef) external view returns (bool) {
        return _purchaseRefUsed[paymentRef];
    }

    /// @notice Mints new tokens into the treasury (fee-free), e.g. the community's initial endowment.
    function fundTreasury(uint256 amount, bytes32 ref) external onlyRole(TOKEN_ADMIN_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _mint(address(this), amount);
        emit TreasuryFunded(amount, ref);
    }

    /// @notice Mints tokens a stakeholder bought with fiat; `paymentRef` identifies the off-chain payment and is usable once.
    /// @dev Citizens cannot buy tokens: minting to a citizen reverts.
    function purchase(address stakeholder, uint256 amount, bytes32 paymentRef) external onlyRole(TOKEN_ADMIN_ROLE) {
        Member storage m = _members[stakeholder];
        if (!m.active || m.kind != MemberKind.Stakeholder) revert NotAStakeholder(stakeholder);
        if (amount == 0) revert ZeroAmount();
        if (paymentRef == bytes32(0) || _purchaseRefUsed[paymentRef]) revert PaymentRefInvalid(paymentRef);
        _purchaseRefUsed[paymentRef] = true;
        _mint(stakeholder, amount);
        emit TokensPurchased(stakeholder, amount, paymentRef);
    }
}
