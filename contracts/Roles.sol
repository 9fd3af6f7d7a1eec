// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Roles
/// @notice The role identifiers shared by every contract of the platform (OpenZeppelin AccessControl).
/// @dev A role is `keccak256` of its name, so off-chain tools can derive it without an ABI call.
library Roles {
    /// @notice Runs the platform: creates communities, pauses tokens, grants roles.
    bytes32 internal constant PLATFORM_ADMIN = keccak256("PLATFORM_ADMIN");
    /// @notice Manages the members of one community and approves work done for the community.
    bytes32 internal constant COMMUNITY_ADMIN = keccak256("COMMUNITY_ADMIN");
    /// @notice Sets fees, welcome bonuses and incentives; mints against off-chain payments.
    bytes32 internal constant TOKEN_ADMIN = keccak256("TOKEN_ADMIN");
    /// @notice Publishes reward-model parameters.
    bytes32 internal constant ORACLE_ADMIN = keccak256("ORACLE_ADMIN");
    /// @notice The oracle's attesting account: commits epoch roots (never pays).
    bytes32 internal constant ORACLE = keccak256("ORACLE");
    /// @notice The paying account: pushes rewards of committed epochs in batches (never commits).
    bytes32 internal constant REWARD_PAYER = keccak256("REWARD_PAYER");
}
