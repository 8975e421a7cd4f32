// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MapToken} from "./MapToken.sol";

/// @title MapCredits
/// @notice Burn-and-mint for map consumers (after Hivemapper's Map Credits): a consumer burns MAP and the API
///         account it names receives credits at a fixed rate. The API server reads `creditsOf` or the events;
///         spending credits happens off chain.
contract MapCredits {
    MapToken public immutable token;
    /// @notice Credits granted per whole token (1e18 wei of MAP).
    uint256 public immutable creditsPerToken;

    /// @notice Credits ever bought for an API account (an opaque id chosen by the API server).
    mapping(bytes32 apiAccount => uint256 credits) public creditsOf;

    event CreditsPurchased(address indexed payer, bytes32 indexed apiAccount, uint256 burned, uint256 credits);

    error ZeroRate();
    error TooSmall(uint256 amount);

    /// @param token_ the MAP token (must be burnable by allowance: ERC20Burnable.burnFrom).
    /// @param creditsPerToken_ credits per 1e18 wei of MAP.
    constructor(MapToken token_, uint256 creditsPerToken_) {
        if (creditsPerToken_ == 0) revert ZeroRate();
        token = token_;
        creditsPerToken = creditsPerToken_;
    }

    /// @notice Burns `amount` of the caller's MAP (needs an allowance) and credits `apiAccount`.
    function burnForCredits(bytes32 apiAccount, uint256 amount) public returns (uint256 credits) {
        credits = (amount * creditsPerToken) / 1e18;
        // Refuse burns that round to zero credits rather than silently taking the tokens.
        if (credits == 0) revert TooSmall(amount);
        token.burnFrom(msg.sender, amount);
        creditsOf[apiAccount] += credits;
        emit CreditsPurchased(msg.sender, apiAccount, amount, credits);
    }

    /// @notice Same as burnForCredits with an EIP-2612 permit, so approving and burning take one transaction.
    /// @dev A permit already used (e.g. front-run from the mempool) is ignored; burnFrom then checks the allowance.
    function burnForCreditsWithPermit(
        bytes32 apiAccount,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256) {
        try token.permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        return burnForCredits(apiAccount, amount);
    }
}
