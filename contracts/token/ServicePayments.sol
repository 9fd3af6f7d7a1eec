// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {CommunityTokenBase} from "./CommunityTokenBase.sol";

/// @title ServicePayments
/// @notice Payments for services between members (categories 1–5): the fee goes to the treasury, a
/// structure owner may take a share (category 2), and the treasury adds the category's incentive —
/// but only on a service the Community Admin approved (the seed's "sustainability check"), once.
/// @dev Why approvals and not only a cap: with an incentive above the fee, two members paying each other
/// back and forth drain the treasury by (incentive − fee) per round; with incentive ≤ fee the incentive
/// is a mere fee rebate. An approval binds one incentive to one service reference, payer, provider,
/// category and amount, and is consumed by the payment, so no sequence of payments between members can
/// take more from the treasury than the Community Admin approved.
abstract contract ServicePayments is CommunityTokenBase {
    /// @notice Who receives a category's incentive.
    enum IncentiveRecipient {
        Payer,
        Provider
    }

    /// @notice How a service payment was split.
    struct ServiceSplit {
        uint256 fee;
        uint256 toProvider;
        uint256 toStructure;
        uint256 incentive;
        address incentiveTo;
    }

    struct CategoryIncentive {
        uint16 bps;
        IncentiveRecipient recipient;
    }

    /// @notice A Community Admin's approval of one incentive for one service.
    struct IncentiveApproval {
        address payer;
        Category category;
        bool used;
        address provider;
        uint96 maxAmount;
    }

    /// @notice Highest incentive of a category: 50 % of the (approved) amount paid.
    uint16 public constant MAX_INCENTIVE_BPS = 5_000;

    mapping(Category => CategoryIncentive) private _incentives;
    mapping(bytes32 => IncentiveApproval) private _approvals;

    /// @notice A category's incentive changed.
    event CategoryIncentiveSet(Category indexed category, uint16 bps, IncentiveRecipient recipient);
    /// @notice The Community Admin approved an incentive for the service `serviceRef`.
    event ServiceIncentiveApproved(
        bytes32 indexed serviceRef, address indexed payer, address indexed provider, Category category, uint96 maxAmount
    );
    /// @notice An approval was withdrawn before it was used.
    event ServiceIncentiveRevoked(bytes32 indexed serviceRef);
    /// @notice A service was paid (categories 1–5); `split` says where the amount and the incentive went
    /// (the structure owner is the `structure` argument of the call, zero outside category 2).
    event ServicePaid(
        address indexed payer,
        address indexed provider,
        Category indexed category,
        bytes32 serviceRef,
        uint256 amount,
        ServiceSplit split
    );

    error IncentiveAboveCap(uint16 bps, uint16 maxBps);
    error SelfPayment();
    error CategoryNotPayable(Category category);
    error ServiceRefInvalid(bytes32 serviceRef);
    error ServiceRefAlreadyApproved(bytes32 serviceRef);
    error ApprovalNotOpen(bytes32 serviceRef);

    /// @notice Incentive settings of a category.
    function categoryIncentive(Category category) external view returns (uint16 bps, IncentiveRecipient recipient) {
        CategoryIncentive storage c = _incentives[category];
        return (c.bps, c.recipient);
    }

    /// @notice The approval recorded for `serviceRef` (payer zero when none).
    function incentiveApproval(bytes32 serviceRef) external view returns (IncentiveApproval memory) {
        return _approvals[serviceRef];
    }

    /// @notice How a service payment of `amount` would be split, before it is made; `incentive` is what an
    /// approval covering the whole amount would add (see `serviceIncentive` for a given service).
    /// @return fee to the treasury
    /// @return providerReceives what the provider gets
    /// @return structureReceives what the structure owner gets
    /// @return incentive paid by the treasury to the category's incentive recipient
    function quoteService(uint256 amount, Category category, uint16 structureShareBps)
        public
        view
        returns (uint256 fee, uint256 providerReceives, uint256 structureReceives, uint256 incentive)
    {
        if (structureShareBps > BPS_DENOMINATOR) revert ShareAboveWhole(structureShareBps);
        fee = (amount * feeBps) / BPS_DENOMINATOR;
        uint256 net = amount - fee;
        structureReceives = (net * structureShareBps) / BPS_DENOMINATOR;
        providerReceives = net - structureReceives;
        incentive = (amount * _incentives[category].bps) / BPS_DENOMINATOR;
    }

    /// @notice The incentive a payment of `amount` for `serviceRef` from `payer` to `provider` would get now
    /// (0 without an open approval that matches all of them).
    function serviceIncentive(bytes32 serviceRef, address payer, address provider, Category category, uint256 amount)
        public
        view
        returns (uint256)
    {
        if (!_approvalMatches(serviceRef, payer, provider, category)) return 0;
        IncentiveApproval storage a = _approvals[serviceRef];
        uint256 covered = amount < a.maxAmount ? amount : a.maxAmount;
        return (covered * _incentives[category].bps) / BPS_DENOMINATOR;
    }

    /// @notice Sets the incentive of a service category (1–5): `bps` of the approved amount paid, from the treasury.
    function setCategoryIncentive(Category category, uint16 bps, IncentiveRecipient recipient)
        external
        onlyRole(TOKEN_ADMIN_ROLE)
    {
        _requirePayableCategory(category);
        if (bps > MAX_INCENTIVE_BPS) revert IncentiveAboveCap(bps, MAX_INCENTIVE_BPS);
        _incentives[category] = CategoryIncentive(bps, recipient);
        emit CategoryIncentiveSet(category, bps, recipient);
    }

    /// @notice Approves one incentive for the service `serviceRef` (after the sustainability check): the next
    /// payment of it from `payer` to `provider` in `category` gets the category's incentive on at most
    /// `maxAmount`. A reference is approved at most once.
    function approveServiceIncentive(
        bytes32 serviceRef,
        address payer,
        address provider,
        Category category,
        uint96 maxAmount
    ) external onlyRole(COMMUNITY_ADMIN_ROLE) {
        if (serviceRef == bytes32(0)) revert ServiceRefInvalid(serviceRef);
        if (_approvals[serviceRef].payer != address(0)) revert ServiceRefAlreadyApproved(serviceRef);
        if (maxAmount == 0) revert ZeroAmount();
        if (payer == provider) revert SelfPayment();
        _requirePayableCategory(category);
        _requireKinds(category, _activeKind(payer), _receivingKind(provider));
        _approvals[serviceRef] = IncentiveApproval(payer, category, false, provider, maxAmount);
        emit ServiceIncentiveApproved(serviceRef, payer, provider, category, maxAmount);
    }

    /// @notice Withdraws an approval that was not used yet; the reference cannot be approved again.
    function revokeServiceIncentive(bytes32 serviceRef) external onlyRole(COMMUNITY_ADMIN_ROLE) {
        IncentiveApproval storage a = _approvals[serviceRef];
        if (a.payer == address(0) || a.used) revert ApprovalNotOpen(serviceRef);
        a.used = true;
        emit ServiceIncentiveRevoked(serviceRef);
    }

    /// @notice Pays `provider` for a service of category 1–5, from the caller.
    /// The fee goes to the treasury; for category 2 the structure owner (a stakeholder member) gets
    /// `structureShareBps` of what is left after the fee; when the Community Admin approved an incentive for
    /// this service, payer and provider, the treasury adds it and the approval is used up.
    /// @param provider the member who provided the service
    /// @param amount tokens the caller pays (fee included)
    /// @param category 1–5, must match the payer's and provider's kinds
    /// @param serviceRef off-chain reference of the service (e.g. hash of the marketplace listing)
    /// @param structure owner of the room or facility used (category 2 only, else zero)
    /// @param structureShareBps structure owner's share of the net amount (category 2 only, else zero)
    /// @param maxFeeBps the highest fee the payer accepts (reverts FeeAboveLimit when the fee is higher)
    function payService(
        address provider,
        uint256 amount,
        Category category,
        bytes32 serviceRef,
        address structure,
        uint16 structureShareBps,
        uint16 maxFeeBps
    ) external whenNotPaused {
        address payer = _msgSender();
        _requireFeeAtMost(maxFeeBps);
        _checkService(payer, provider, amount, category, structure, structureShareBps);
        // slither-disable-next-line uninitialized-local (a memory struct starts zeroed; filled just below)
        ServiceSplit memory split;
        (split.fee, split.toProvider, split.toStructure,) = quoteService(amount, category, structureShareBps);
        if (_approvalMatches(serviceRef, payer, provider, category)) {
            split.incentive = serviceIncentive(serviceRef, payer, provider, category, amount);
            _approvals[serviceRef].used = true; // used up by this payment, even when its incentive rounds to 0
            if (split.incentive > 0) {
                split.incentiveTo = _incentives[category].recipient == IncentiveRecipient.Payer ? payer : provider;
            }
        }
        // Raw moves: the fee is computed here once, not again per leg.
        if (split.fee > 0) ERC20._update(payer, address(this), split.fee);
        if (split.toStructure > 0) ERC20._update(payer, structure, split.toStructure);
        ERC20._update(payer, provider, split.toProvider);
        if (split.incentive > 0) _payFromTreasury(split.incentiveTo, split.incentive);
        emit ServicePaid(payer, provider, category, serviceRef, amount, split);
    }

    // ---------------------------------------------------------------- internals

    /// @dev True when `serviceRef` has an open approval for exactly this payer, provider and category.
    function _approvalMatches(bytes32 serviceRef, address payer, address provider, Category category)
        private
        view
        returns (bool)
    {
        IncentiveApproval storage a = _approvals[serviceRef];
        return !a.used && a.payer != address(0) && a.payer == payer && a.provider == provider && a.category == category;
    }

    function _checkService(
        address payer,
        address provider,
        uint256 amount,
        Category category,
        address structure,
        uint16 structureShareBps
    ) private view {
        if (amount == 0) revert ZeroAmount();
        if (provider == payer) revert SelfPayment();
        _requirePayableCategory(category);
        _requireKinds(category, _activeKind(payer), _receivingKind(provider));
        _checkStructure(category == Category.CitizenToCitizenWithStructure, structure, structureShareBps);
        // Check the whole amount up front, so the error names it rather than one leg of the split.
        uint256 balance = balanceOf(payer);
        if (balance < amount) revert ERC20InsufficientBalance(payer, balance, amount);
    }

    function _requirePayableCategory(Category category) private pure {
        if (category == Category.None || category > Category.StakeholderToCitizen) revert CategoryNotPayable(category);
    }

    function _requireKinds(Category category, MemberKind payerKind, MemberKind providerKind) private pure {
        (MemberKind wantPayer, MemberKind wantProvider) = _serviceKinds(category);
        if (payerKind != wantPayer || providerKind != wantProvider) {
            revert KindMismatch(category, payerKind, providerKind);
        }
    }

    function _serviceKinds(Category category) private pure returns (MemberKind payer, MemberKind provider) {
        if (category == Category.CitizenToCitizen || category == Category.CitizenToCitizenWithStructure) {
            return (MemberKind.Citizen, MemberKind.Citizen);
        }
        if (category == Category.CitizenToStakeholder) return (MemberKind.Citizen, MemberKind.Stakeholder);
        if (category == Category.StakeholderToStakeholder) return (MemberKind.Stakeholder, MemberKind.Stakeholder);
        return (MemberKind.Stakeholder, MemberKind.Citizen); // StakeholderToCitizen
    }
}
