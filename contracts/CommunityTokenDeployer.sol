// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommunityToken} from "./CommunityToken.sol";
import {CommunityTokenBase} from "./token/CommunityTokenBase.sol";

/// @title CommunityTokenDeployer
/// @notice Holds the community token's creation code for CommunityFactory, so the factory stays far below
/// the 24 KiB contract size limit however the token grows.
/// @dev Anyone may call it, and that is harmless: only tokens created through the factory are communities
/// (`CommunityFactory.isCommunity`), the only ones the notary and the registry serve.
contract CommunityTokenDeployer {
    /// @notice Creates a community token with `config`.
    function deploy(CommunityTokenBase.Config calldata config) external returns (address) {
        return address(new CommunityToken(config));
    }
}
