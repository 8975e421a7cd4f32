// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MapToken (MAP)
/// @notice The mapmint reward token: capped supply, minted only by MINTER_ROLE holders (the
///         MerkleDistributor), burnable by holders (MapCredits burns for API credits), with EIP-2612 permit
///         so a consumer can approve and burn in one transaction.
contract MapToken is ERC20Capped, ERC20Burnable, ERC20Permit, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin receives DEFAULT_ADMIN_ROLE and grants MINTER_ROLE afterwards.
    /// @param maxSupply the hard cap on total supply, in wei (18 decimals).
    constructor(address admin, uint256 maxSupply)
        ERC20("mapmint Map Token", "MAP")
        ERC20Capped(maxSupply)
        ERC20Permit("mapmint Map Token")
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mints `amount` to `to`; reverts past the cap (ERC20ExceededCap).
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @dev ERC20Capped checks the cap after every mint; ERC20 is the shared base.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}
