// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICommittedPeriods
/// @notice What the model registry needs to know from the notary: up to when a community's periods are committed.
interface ICommittedPeriods {
    /// @notice End (unix seconds) of the community's latest committed, not voided, epoch period; 0 when none.
    function lastPeriodEnd(address community) external view returns (uint64);
}
