// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {CommunityTokenDeployer} from "./CommunityTokenDeployer.sol";
import {CommunityTokenBase} from "./token/CommunityTokenBase.sol";
import {Roles} from "./Roles.sol";

/// @title CommunityFactory
/// @notice Creates one CommunityToken per Local Energy Community and keeps the list of communities.
/// Tokens never cross communities: each community is its own token contract.
contract CommunityFactory is AccessControl, ReentrancyGuard {
    bytes32 public constant PLATFORM_ADMIN_ROLE = Roles.PLATFORM_ADMIN;
    /// @notice Longest community name in bytes (UTF-8): the token's EIP-712 domain name must fit a short string.
    uint256 public constant MAX_NAME_BYTES = 31;

    /// @notice Creates the token contracts (holds their code).
    CommunityTokenDeployer public immutable tokenDeployer;

    /// @notice The reward contract (the notary) every new community trusts to escrow and pay its rewards.
    address public rewardDistributor;

    address[] private _communities;
    mapping(address => bool) private _isCommunity;
    mapping(bytes32 => address) private _byName;

    /// @notice A community and its token were created.
    event CommunityCreated(
        address indexed token,
        string name,
        string symbol,
        address indexed communityAdmin,
        address indexed tokenAdmin,
        uint256 welcomeCitizen,
        uint256 welcomeStakeholder,
        uint16 feeBps
    );
    /// @notice The reward contract for new communities changed.
    event RewardDistributorSet(address indexed rewardDistributor);

    error ZeroAddress();
    error EmptyName();
    error NameTooLong(string name, uint256 maxBytes);
    error CommunityNameTaken(string name, address existing);
    error RewardDistributorNotSet();
    error RewardDistributorAlreadySet(address rewardDistributor);
    error IndexOutOfRange(uint256 index, uint256 count);

    /// @param platformAdmin receives DEFAULT_ADMIN_ROLE and PLATFORM_ADMIN_ROLE
    /// @param tokenDeployer_ creates the community tokens
    constructor(address platformAdmin, CommunityTokenDeployer tokenDeployer_) {
        if (platformAdmin == address(0) || address(tokenDeployer_) == address(0)) revert ZeroAddress();
        tokenDeployer = tokenDeployer_;
        _grantRole(DEFAULT_ADMIN_ROLE, platformAdmin);
        _grantRole(PLATFORM_ADMIN_ROLE, platformAdmin);
    }

    /// @notice Sets, once, the reward contract (the notary) that every community trusts to escrow and pay its
    /// rewards. Once only: the model registry bounds rule changes by this same notary's committed periods.
    function setRewardDistributor(address distributor) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (distributor == address(0)) revert ZeroAddress();
        if (rewardDistributor != address(0)) revert RewardDistributorAlreadySet(rewardDistributor);
        rewardDistributor = distributor;
        emit RewardDistributorSet(distributor);
    }

    /// @notice Creates a community token. The caller (a Platform Admin) becomes its platform admin.
    /// @param name community name, unique on the platform (also the token name), at most 31 bytes
    /// @param symbol token symbol
    /// @param communityAdmin manages members and approves community work
    /// @param tokenAdmin sets fees, welcome bonuses and incentives, mints purchases
    /// @param welcomeCitizen welcome bonus for a citizen (18 decimals)
    /// @param welcomeStakeholder welcome bonus for a stakeholder (18 decimals)
    /// @param feeBps transfer fee in basis points (at most 2 000)
    /// @return token the new community token
    function createCommunity(
        string calldata name,
        string calldata symbol,
        address communityAdmin,
        address tokenAdmin,
        uint256 welcomeCitizen,
        uint256 welcomeStakeholder,
        uint16 feeBps
    ) external onlyRole(PLATFORM_ADMIN_ROLE) nonReentrant returns (address token) {
        if (bytes(name).length == 0) revert EmptyName();
        if (bytes(name).length > MAX_NAME_BYTES) revert NameTooLong(name, MAX_NAME_BYTES);
        bytes32 key = keccak256(bytes(name));
        if (_byName[key] != address(0)) revert CommunityNameTaken(name, _byName[key]);
        if (rewardDistributor == address(0)) revert RewardDistributorNotSet();
        // The deployer is immutable and only runs `new CommunityToken`, which calls nothing back; and nonReentrant.
        // slither-disable-next-line reentrancy-no-eth
        token = tokenDeployer.deploy(
            CommunityTokenBase.Config({
                name: name,
                symbol: symbol,
                platformAdmin: _msgSender(),
                communityAdmin: communityAdmin,
                tokenAdmin: tokenAdmin,
                rewardDistributor: rewardDistributor,
                welcomeCitizen: welcomeCitizen,
                welcomeStakeholder: welcomeStakeholder,
                feeBps: feeBps
            })
        );
        _communities.push(token);
        _isCommunity[token] = true;
        _byName[key] = token;
        emit CommunityCreated(token, name, symbol, communityAdmin, tokenAdmin, welcomeCitizen, welcomeStakeholder, feeBps);
    }

    /// @notice Number of communities.
    function communityCount() external view returns (uint256) {
        return _communities.length;
    }

    /// @notice The token of the community at `index` (creation order).
    function communityAt(uint256 index) external view returns (address) {
        if (index >= _communities.length) revert IndexOutOfRange(index, _communities.length);
        return _communities[index];
    }

    /// @notice All community tokens, in creation order.
    function communities() external view returns (address[] memory) {
        return _communities;
    }

    /// @notice True when `token` was created by this factory.
    function isCommunity(address token) external view returns (bool) {
        return _isCommunity[token];
    }

    /// @notice The token of the community named `name`, or zero.
    function communityByName(string calldata name) external view returns (address) {
        return _byName[keccak256(bytes(name))];
    }
}
