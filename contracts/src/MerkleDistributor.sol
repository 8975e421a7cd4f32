// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MapToken} from "./MapToken.sol";

/// @title MerkleDistributor
/// @notice Pays mapping rewards from per-epoch Merkle roots of cumulative totals (lazy claims, as in Helium's lazy
///         distributor): a leaf says "account has earned cumulativeAmount since genesis", and a claim pays
///         cumulativeAmount - claimed[account], so one claim catches up on every epoch since the last one.
/// @dev Funding: publishRoot mints the increase of totalCumulative into this contract's pool (MINTER_ROLE on the
///      token), claims transfer from the pool. The cap is therefore checked when a root is published, not when a
///      contributor claims, and the claim path never touches the token's roles or cap (cheaper than minting per claim:
///      see contracts/README.md). Only the latest root is valid, so a corrected root supersedes a bad one at once.
contract MerkleDistributor is AccessControl, Pausable {
    bytes32 public constant PUBLISHER_ROLE = keccak256("PUBLISHER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    MapToken public immutable token;

    /// @dev Declared first so it shares a slot with Pausable's `_paused`: a claim reads both with one cold SLOAD.
    uint64 public latestEpoch;
    /// @notice Tokens minted into the pool so far: the largest totalCumulative ever published.
    uint256 public fundedTotal;
    mapping(uint256 epoch => bytes32 root) public rootOf;
    mapping(uint256 epoch => uint256 total) public totalCumulativeOf;
    mapping(address account => uint256 amount) public claimed;

    event RootPublished(uint256 indexed epoch, bytes32 root, uint256 totalCumulative, uint256 minted);
    event Claimed(address indexed account, uint256 indexed epoch, uint256 amount, uint256 cumulativeAmount);

    error ZeroRoot();
    error EpochAlreadyPublished(uint256 epoch, bytes32 publishedRoot, uint256 publishedTotal);
    error EpochNotIncreasing(uint256 epoch, uint256 latestEpoch);
    error StaleEpoch(uint256 epoch, uint256 latestEpoch);
    error UnknownEpoch(uint256 epoch);
    error ClaimerNotAccount(address sender, address account);
    error InvalidProof();
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 alreadyClaimed);

    /// @param admin receives DEFAULT_ADMIN_ROLE (grants PUBLISHER_ROLE and PAUSER_ROLE).
    /// @param token_ the reward token; this contract needs its MINTER_ROLE before the first publication.
    constructor(address admin, MapToken token_) {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Publishes `root` for `epoch` and tops the pool up to `totalCumulative` (sum of all leaves).
    /// @dev Idempotent: republishing an epoch with the identical root and total is a no-op, so a publisher that
    ///      crashed after sending can simply retry. Anything else for a published epoch reverts.
    function publishRoot(uint256 epoch, bytes32 root, uint256 totalCumulative) external onlyRole(PUBLISHER_ROLE) {
        if (root == bytes32(0)) revert ZeroRoot();
        bytes32 published = rootOf[epoch];
        if (published != bytes32(0)) {
            uint256 publishedTotal = totalCumulativeOf[epoch];
            if (published == root && publishedTotal == totalCumulative) return;
            revert EpochAlreadyPublished(epoch, published, publishedTotal);
        }
        uint64 latest = latestEpoch;
        // rootOf[latest] is empty only before the first publication, when any epoch (0 included) may start.
        if (epoch <= latest && rootOf[latest] != bytes32(0)) revert EpochNotIncreasing(epoch, latest);
        latestEpoch = SafeCast.toUint64(epoch);
        rootOf[epoch] = root;
        totalCumulativeOf[epoch] = totalCumulative;
        uint256 funded = fundedTotal;
        uint256 minted;
        if (totalCumulative > funded) {
            minted = totalCumulative - funded;
            fundedTotal = totalCumulative;
        }
        emit RootPublished(epoch, root, totalCumulative, minted);
        // Reverts with ERC20ExceededCap when the rewards would pass the cap: the root is refused up front.
        if (minted != 0) token.mint(address(this), minted);
    }

    /// @notice Pays `account` what the latest root owes it beyond what it has already claimed.
    /// @dev Only `account` itself may claim, so a contributor decides when (and whether) to realise rewards; a
    ///      relayer flow would add an EIP-712 signature, not drop the check.
    function claim(uint256 epoch, address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        whenNotPaused
    {
        if (msg.sender != account) revert ClaimerNotAccount(msg.sender, account);
        uint64 latest = latestEpoch;
        if (epoch != latest) revert StaleEpoch(epoch, latest);
        bytes32 root = rootOf[epoch];
        if (root == bytes32(0)) revert UnknownEpoch(epoch);
        // OpenZeppelin StandardMerkleTree leaf, keccak256(bytes.concat(keccak256(abi.encode(account, amount)))):
        // double hashing keeps a leaf from posing as an inner node. Hashed in the scratch space (0x00-0x3f) instead
        // of building two memory copies (abi.encode, bytes.concat); `account` is a clean address (the ABI decoder
        // rejects dirty upper bits), so the first word is exactly abi.encode's.
        bytes32 leaf;
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x40))
            leaf := keccak256(0x00, 0x20)
        }
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof();
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(account, cumulativeAmount, already);
        claimed[account] = cumulativeAmount;
        uint256 amount;
        unchecked {
            amount = cumulativeAmount - already;
        }
        emit Claimed(account, epoch, amount, cumulativeAmount);
        // MapToken reverts on failure rather than returning false, so the bool needs no SafeERC20 wrapper.
        token.transfer(account, amount);
    }

    /// @notice Stops claims (publication continues, so nothing is lost while paused).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes claims.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
