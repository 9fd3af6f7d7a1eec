// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Roles} from "./Roles.sol";

/// @title CommunityToken
/// @notice The token of one Local Energy Community. Only members (and the community treasury,
/// which is this contract's own address) hold or receive it. Members get a welcome bonus once,
/// transfers between members pay a fee to the treasury, service payments carry per-category
/// incentives, and energy rewards are paid from a treasury reserve by the reward contract.
/// @dev Created by CommunityFactory. Amounts have 18 decimals; rates are basis points (1/10 000).
contract CommunityToken is ERC20, ERC20Permit, AccessControl, Pausable {
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

    /// @notice The eight action categories of the token economy (seed 001 §5.3.2).
    /// @dev 1–5 are paid member to member with `payService`; 6–8 are work for the community,
    /// paid by the treasury on Community Admin approval.
    enum Category {
        None,
        CitizenToCitizen,
        CitizenToCitizenWithStructure,
        StakeholderToCitizen,
        StakeholderToStakeholder,
        CitizenToStakeholder,
        CitizenToCommunity,
        StakeholderToCommunity,
        CitizenToCommunityWithStructure
    }

    /// @notice Who receives a category's incentive.
    enum IncentiveRecipient {
        Payer,
        Provider
    }

    /// @notice Lifecycle of a request for payment of work done for the community.
    enum WorkStatus {
        None,
        Pending,
        Paid,
        Rejected
    }

    struct Member {
        MemberKind kind;
        EnergyProfile profile;
        bool active;
        bool welcomed;
        uint64 joinedAt;
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

    struct WorkRequest {
        address member;
        Category category;
        WorkStatus status;
        uint16 structureShareBps;
        address structure;
        uint256 amount;
        bytes32 workRef;
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
    bytes32 public constant REWARD_DISTRIBUTOR_ROLE = Roles.REWARD_DISTRIBUTOR;

    /// @notice Denominator of every rate.
    uint16 public constant BPS_DENOMINATOR = 10_000;
    /// @notice Highest transfer fee: 20 %.
    uint16 public constant MAX_FEE_BPS = 2_000;
    /// @notice Highest incentive of a category: 50 % of the amount paid.
    uint16 public constant MAX_INCENTIVE_BPS = 5_000;
    /// @notice Most members in one `addMembers` call.
    uint256 public constant MAX_MEMBER_BATCH = 200;

    /// @notice Fee on transfers between members, in basis points, paid to the treasury.
    uint16 public feeBps;
    /// @notice Number of active members.
    uint256 public memberCount;
    /// @notice Treasury tokens set aside for committed reward epochs; not spendable otherwise.
    uint256 public rewardReserve;
    /// @notice Number of work requests ever made (ids are 1..workRequestCount).
    uint256 public workRequestCount;

    mapping(MemberKind => uint256) private _welcomeBonus;
    mapping(address => Member) private _members;
    mapping(Category => CategoryIncentive) private _incentives;
    mapping(bytes32 => bool) private _purchaseRefUsed;
    mapping(uint256 => WorkRequest) private _workRequests;

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
    /// @notice The transfer fee changed.
    event FeeSet(uint16 oldFeeBps, uint16 newFeeBps);
    /// @notice A category's incentive changed.
    event CategoryIncentiveSet(Category indexed category, uint16 bps, IncentiveRecipient recipient);
    /// @notice A member-to-member transfer: `sent` left the sender, `fee` went to the treasury, `received` arrived.
    event TransferWithFee(address indexed from, address indexed to, uint256 sent, uint256 fee, uint256 received);
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
    /// @notice A stakeholder bought tokens with fiat (off-chain payment `paymentRef`).
    event TokensPurchased(address indexed stakeholder, uint256 amount, bytes32 indexed paymentRef);
    /// @notice New tokens were minted into the treasury.
    event TreasuryFunded(uint256 amount, bytes32 indexed ref);
    /// @notice The reward contract set treasury tokens aside for a committed epoch.
    event RewardsReserved(uint256 amount, uint256 reserveAfter);
    /// @notice The reward contract released unpaid reserved tokens back to the treasury.
    event RewardsReleased(uint256 amount, uint256 reserveAfter);
    /// @notice A reward was paid from the reserve.
    event RewardPaid(address indexed member, uint256 amount);

    error ZeroAddress();
    error BatchSize(uint256 size, uint256 max);
    error LengthMismatch();
    error InvalidAccount(address account);
    error InvalidKind();
    error InvalidProfile();
    error AlreadyMember(address account);
    error NotAMember(address account);
    error ReceiverNotMember(address account);
    error FeeAboveCap(uint16 feeBps, uint16 maxFeeBps);
    error IncentiveAboveCap(uint16 bps, uint16 maxBps);
    error TreasuryInsufficient(uint256 available, uint256 needed);
    error ReserveInsufficient(uint256 reserve, uint256 needed);
    error ZeroAmount();
    error SelfPayment();
    error CategoryNotPayable(Category category);
    error CategoryNotCommunityWork(Category category);
    error KindMismatch(Category category, MemberKind payerKind, MemberKind providerKind);
    error StructureRequired();
    error StructureNotAllowed();
    error StructureNotStakeholder(address structure);
    error ShareAboveWhole(uint16 shareBps);
    error NotAStakeholder(address account);
    error PaymentRefInvalid(bytes32 paymentRef);
    error UnknownWorkRequest(uint256 id);
    error WorkRequestNotPending(uint256 id, WorkStatus status);

    /// @param config names, role holders, reward contract, welcome amounts and the fee.
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
        _grantRole(REWARD_DISTRIBUTOR_ROLE, config.rewardDistributor);
        feeBps = config.feeBps;
        _welcomeBonus[MemberKind.Citizen] = config.welcomeCitizen;
        _welcomeBonus[MemberKind.Stakeholder] = config.welcomeStakeholder;
        emit FeeSet(0, config.feeBps);
        emit WelcomeBonusSet(MemberKind.Citizen, config.welcomeCitizen);
        emit WelcomeBonusSet(MemberKind.Stakeholder, config.welcomeStakeholder);
    }

    // ------------------------------------------------------------------ views

    /// @notice The community treasury ("control wallet"): this contract's own address.
    function treasury() public view returns (address) {
        return address(this);
    }

    /// @notice Treasury tokens free to spend: balance minus the reward reserve.
    function treasuryAvailable() public view returns (uint256) {
        return balanceOf(address(this)) - rewardReserve;
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

    /// @notice Welcome amount for a member kind.
    function welcomeBonus(MemberKind kind) external view returns (uint256) {
        return _welcomeBonus[kind];
    }

    /// @notice Incentive settings of a category.
    function categoryIncentive(Category category) external view returns (uint16 bps, IncentiveRecipient recipient) {
        CategoryIncentive storage c = _incentives[category];
        return (c.bps, c.recipient);
    }

    /// @notice True when an off-chain payment reference was already used for a purchase.
    function purchaseRefUsed(bytes32 paymentRef) external view returns (bool) {
        return _purchaseRefUsed[paymentRef];
    }

    /// @notice A request for payment of community work.
    function workRequest(uint256 id) external view returns (WorkRequest memory) {
        if (_workRequests[id].status == WorkStatus.None) revert UnknownWorkRequest(id);
        return _workRequests[id];
    }

    /// @notice How a service payment of `amount` would be split, before it is made.
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

    // ------------------------------------------------------------- membership

    /// @notice Adds `account` as a member; pays the welcome bonus for its kind the first time ever.
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

    function _addMember(address account, MemberKind kind, EnergyProfile profile) private {
        if (account == address(0) || account == address(this)) revert InvalidAccount(account);
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
        if (!m.welcomed) {
            m.welcomed = true;
            uint256 bonus = _welcomeBonus[kind];
            if (bonus > 0) {
                _payFromTreasury(account, bonus);
                emit WelcomeBonusPaid(account, kind, bonus);
            }
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

    // ------------------------------------------------------- token-economy rules

    /// @notice Sets the transfer fee (at most MAX_FEE_BPS).
    function setFeeBps(uint16 newFeeBps) external onlyRole(TOKEN_ADMIN_ROLE) {
        if (newFeeBps > MAX_FEE_BPS) revert FeeAboveCap(newFeeBps, MAX_FEE_BPS);
        emit FeeSet(feeBps, newFeeBps);
        feeBps = newFeeBps;
    }

    /// @notice Sets the welcome amount of a member kind (applies to members who join afterwards).
    function setWelcomeBonus(MemberKind kind, uint256 amount) external onlyRole(TOKEN_ADMIN_ROLE) {
        if (kind == MemberKind.None) revert InvalidKind();
        _welcomeBonus[kind] = amount;
        emit WelcomeBonusSet(kind, amount);
    }

    /// @notice Sets the incentive of a service category (1–5): `bps` of the amount paid, from the treasury.
    function setCategoryIncentive(Category category, uint16 bps, IncentiveRecipient recipient)
        external
        onlyRole(TOKEN_ADMIN_ROLE)
    {
        if (category == Category.None || category > Category.CitizenToStakeholder) {
            revert CategoryNotPayable(category);
        }
        if (bps > MAX_INCENTIVE_BPS) revert IncentiveAboveCap(bps, MAX_INCENTIVE_BPS);
        _incentives[category] = CategoryIncentive(bps, recipient);
        emit CategoryIncentiveSet(category, bps, recipient);
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

    /// @notice Stops every token movement (transfers, payments, bonuses, rewards); reads keep working.
    function pause() external onlyRole(PLATFORM_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lifts a pause.
    function unpause() external onlyRole(PLATFORM_ADMIN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------- service payments

    /// @notice Pays `provider` for a service of category 1–5, from the caller.
    /// The fee goes to the treasury; for category 2 the structure owner (a stakeholder member) gets
    /// `structureShareBps` of what is left after the fee; the treasury adds the category incentive.
    /// @param provider the member who provided the service
    /// @param amount tokens the caller pays (fee included)
    /// @param category 1–5, must match the payer's and provider's kinds
    /// @param serviceRef off-chain reference of the service (e.g. hash of the marketplace listing)
    /// @param structure owner of the room or facility used (category 2 only, else zero)
    /// @param structureShareBps structure owner's share of the net amount (category 2 only, else zero)
    function payService(
        address provider,
        uint256 amount,
        Category category,
        bytes32 serviceRef,
        address structure,
        uint16 structureShareBps
    ) external whenNotPaused {
        address payer = _msgSender();
        _checkService(payer, provider, amount, category, structure, structureShareBps);
        // slither-disable-next-line uninitialized-local (a memory struct starts zeroed; filled just below)
        ServiceSplit memory split;
        (split.fee, split.toProvider, split.toStructure, split.incentive) =
            quoteService(amount, category, structureShareBps);
        // Raw moves: the fee is computed here once, not again per leg.
        if (split.fee > 0) ERC20._update(payer, address(this), split.fee);
        if (split.toStructure > 0) ERC20._update(payer, structure, split.toStructure);
        ERC20._update(payer, provider, split.toProvider);
        if (split.incentive > 0) {
            split.incentiveTo = _incentives[category].recipient == IncentiveRecipient.Payer ? payer : provider;
            _payFromTreasury(split.incentiveTo, split.incentive);
        }
        emit ServicePaid(payer, provider, category, serviceRef, amount, split);
    }

    // ------------------------------------------------ work for the community

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
        MemberKind kind = _activeKind(member, false);
        MemberKind wantKind = MemberKind.None;
        if (category == Category.CitizenToCommunity || category == Category.CitizenToCommunityWithStructure) {
            wantKind = MemberKind.Citizen;
        } else if (category == Category.StakeholderToCommunity) {
            wantKind = MemberKind.Stakeholder;
        } else {
            revert CategoryNotCommunityWork(category);
        }
        if (kind != wantKind) revert KindMismatch(category, kind, MemberKind.None);
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

    // --------------------------------------------------------- reward reserve

    /// @notice Sets `amount` of the treasury aside for a committed reward epoch.
    function reserveRewards(uint256 amount) external onlyRole(REWARD_DISTRIBUTOR_ROLE) {
        uint256 available = treasuryAvailable();
        if (available < amount) revert TreasuryInsufficient(available, amount);
        rewardReserve += amount;
        emit RewardsReserved(amount, rewardReserve);
    }

    /// @notice Pays a reward of `amount` from the reserve to `member` (an active member).
    function payReward(address member, uint256 amount) external onlyRole(REWARD_DISTRIBUTOR_ROLE) {
        if (amount > rewardReserve) revert ReserveInsufficient(rewardReserve, amount);
        rewardReserve -= amount;
        _update(address(this), member, amount);
        emit RewardPaid(member, amount);
    }

    /// @notice Returns `amount` of the reserve to the spendable treasury (unpaid rewards of a closed epoch).
    function releaseRewards(uint256 amount) external onlyRole(REWARD_DISTRIBUTOR_ROLE) {
        if (amount > rewardReserve) revert ReserveInsufficient(rewardReserve, amount);
        rewardReserve -= amount;
        emit RewardsReleased(amount, rewardReserve);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Every balance change passes here: pause, receiver must be a member (or the treasury),
    /// and transfers between two holders other than the treasury pay the fee.
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
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

    function _payFromTreasury(address to, uint256 amount) private {
        uint256 available = treasuryAvailable();
        if (available < amount) revert TreasuryInsufficient(available, amount);
        _update(address(this), to, amount);
    }

    function _activeKind(address account, bool asReceiver) private view returns (MemberKind) {
        Member storage m = _members[account];
        if (!m.active) {
            if (asReceiver) revert ReceiverNotMember(account);
            revert NotAMember(account);
        }
        return m.kind;
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
        if (category == Category.None || category > Category.CitizenToStakeholder) {
            revert CategoryNotPayable(category);
        }
        MemberKind payerKind = _activeKind(payer, false);
        MemberKind providerKind = _activeKind(provider, true);
        (MemberKind wantPayer, MemberKind wantProvider) = _serviceKinds(category);
        if (payerKind != wantPayer || providerKind != wantProvider) {
            revert KindMismatch(category, payerKind, providerKind);
        }
        _checkStructure(category == Category.CitizenToCitizenWithStructure, structure, structureShareBps);
        // Check the whole amount up front, so the error names it rather than one leg of the split.
        uint256 balance = balanceOf(payer);
        if (balance < amount) revert ERC20InsufficientBalance(payer, balance, amount);
    }

    function _serviceKinds(Category category) private pure returns (MemberKind payer, MemberKind provider) {
        if (category == Category.CitizenToCitizen || category == Category.CitizenToCitizenWithStructure) {
            return (MemberKind.Citizen, MemberKind.Citizen);
        }
        if (category == Category.StakeholderToCitizen) return (MemberKind.Citizen, MemberKind.Stakeholder);
        if (category == Category.StakeholderToStakeholder) return (MemberKind.Stakeholder, MemberKind.Stakeholder);
        return (MemberKind.Stakeholder, MemberKind.Citizen); // CitizenToStakeholder
    }

    function _checkStructure(bool needed, address structure, uint16 shareBps) private view {
        if (!needed) {
            if (structure != address(0) || shareBps != 0) revert StructureNotAllowed();
            return;
        }
        if (structure == address(0)) revert StructureRequired();
        if (shareBps > BPS_DENOMINATOR) revert ShareAboveWhole(shareBps);
        Member storage s = _members[structure];
        if (!s.active || s.kind != MemberKind.Stakeholder) revert StructureNotStakeholder(structure);
    }

    function _pendingWork(uint256 id) private view returns (WorkRequest storage w) {
        w = _workRequests[id];
        if (w.status == WorkStatus.None) revert UnknownWorkRequest(id);
        if (w.status != WorkStatus.Pending) revert WorkRequestNotPending(id, w.status);
    }
}
