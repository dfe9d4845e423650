/// A rule's stable id: what `lvsc explain ID`, `--format json`, SARIF and the runtime's log
/// lines name a finding by. Every id is a constant here; there is no way to make one from an
/// arbitrary string except by looking it up (`RuleID(named:)`), so a misspelt id does not compile.
public struct RuleID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (a: RuleID, b: RuleID) -> Bool { a.rawValue < b.rawValue }

    /// The id a user typed (`lvsc explain vip-clash`), if there is such a rule.
    public init?(named name: String) {
        guard let id = Self.all.first(where: { $0.rawValue == name }) else { return nil }
        self = id
    }

    public static let syntax = RuleID("syntax")
    public static let notKeepalived = RuleID("not-keepalived")
    public static let include = RuleID("include")
    public static let unknownKeyword = RuleID("unknown-keyword")
    public static let deprecatedKeyword = RuleID("deprecated-keyword")
    public static let missingArgument = RuleID("missing-argument")
    public static let missingKeyword = RuleID("missing-keyword")
    public static let valueRange = RuleID("value-range")
    public static let invalidValue = RuleID("invalid-value")
    public static let badMask = RuleID("bad-mask")
    public static let authPassLength = RuleID("auth-pass-length")
    public static let authCleartext = RuleID("auth-cleartext")
    public static let duplicateVrid = RuleID("duplicate-vrid")
    public static let duplicateVrrpName = RuleID("duplicate-vrrp-name")
    public static let scriptSecurity = RuleID("script-security")
    public static let vrrpNoVip = RuleID("vrrp-no-vip")
    public static let ignoredSetting = RuleID("ignored-setting")
    public static let quorumWeight = RuleID("quorum-weight")
    public static let unusedSuppression = RuleID("unused-suppression")
    public static let vipClash = RuleID("vip-clash")
    public static let virtualServerUnowned = RuleID("virtual-server-unowned")
    public static let duplicateVirtualServer = RuleID("duplicate-virtual-server")
    public static let duplicateRealServer = RuleID("duplicate-real-server")
    public static let persistenceEngine = RuleID("persistence-engine")
    public static let portZeroPersistence = RuleID("port-zero-persistence")
    public static let unknownScheduler = RuleID("unknown-scheduler")
    public static let unknownForwarding = RuleID("unknown-forwarding")
    public static let protocolMissing = RuleID("protocol-missing")
    public static let drPortMismatch = RuleID("dr-port-mismatch")
    public static let syncGroupMember = RuleID("sync-group-member")
    public static let masterNotHighest = RuleID("master-not-highest")
    public static let strictModeConflict = RuleID("strict-mode-conflict")
    public static let unicastSelfPeer = RuleID("unicast-self-peer")
    public static let undefinedReference = RuleID("undefined-reference")
    public static let routeUntracked = RuleID("route-untracked")
    public static let untypedBlock = RuleID("untyped-block")
    public static let inventorySyntax = RuleID("inventory-syntax")
    public static let inventoryBadMac = RuleID("inventory-bad-mac")
    public static let inventoryBadAddress = RuleID("inventory-bad-address")
    public static let inventoryDuplicateName = RuleID("inventory-duplicate-name")
    public static let addressClash = RuleID("address-clash")
    public static let inventoryDuplicateMac = RuleID("inventory-duplicate-mac")
    public static let inventoryUnknownKey = RuleID("inventory-unknown-key")
    public static let inventoryBadValue = RuleID("inventory-bad-value")
    public static let inventoryConf = RuleID("inventory-conf")
    public static let masterBackupMismatch = RuleID("master-backup-mismatch")
    public static let peerConfigDrift = RuleID("peer-config-drift")
    public static let vipNotInInventory = RuleID("vip-not-in-inventory")
    public static let inventoryVipUnused = RuleID("inventory-vip-unused")
    public static let drNotSameLan = RuleID("dr-not-same-lan")
    public static let realServerUnknown = RuleID("real-server-unknown")
    public static let interfaceNotInInventory = RuleID("interface-not-in-inventory")
    public static let natGateway = RuleID("nat-gateway")
    public static let routerIdDuplicate = RuleID("router-id-duplicate")
    public static let unicastPeerMismatch = RuleID("unicast-peer-mismatch")
    public static let checkerOnly = RuleID("checker-only")
    public static let ipvsadmFormat = RuleID("ipvsadm-format")
    public static let emptyVirtualServer = RuleID("empty-virtual-server")
    public static let generatedFile = RuleID("generated-file")
    public static let emitOption = RuleID("emit-option")
    public static let spofNoTakeover = RuleID("spof-no-takeover")
    public static let spofTwoMasters = RuleID("spof-two-masters")
    public static let spofNoRealServer = RuleID("spof-no-real-server")
    public static let spofQuorumLost = RuleID("spof-quorum-lost")
    public static let spofSyncGroupSplit = RuleID("spof-sync-group-split")
    public static let spofFlapping = RuleID("spof-flapping")

    /// Every id, in the catalog's order.
    public static let all: [RuleID] = [
        .syntax,
        .notKeepalived,
        .include,
        .unknownKeyword,
        .deprecatedKeyword,
        .missingArgument,
        .missingKeyword,
        .valueRange,
        .invalidValue,
        .badMask,
        .authPassLength,
        .authCleartext,
        .duplicateVrrpName,
        .scriptSecurity,
        .vrrpNoVip,
        .ignoredSetting,
        .quorumWeight,
        .unusedSuppression,
        .duplicateVrid,
        .vipClash,
        .virtualServerUnowned,
        .duplicateVirtualServer,
        .duplicateRealServer,
        .persistenceEngine,
        .portZeroPersistence,
        .unknownScheduler,
        .unknownForwarding,
        .protocolMissing,
        .drPortMismatch,
        .syncGroupMember,
        .masterNotHighest,
        .strictModeConflict,
        .unicastSelfPeer,
        .undefinedReference,
        .routeUntracked,
        .untypedBlock,
        .inventorySyntax,
        .inventoryBadMac,
        .inventoryBadAddress,
        .inventoryDuplicateName,
        .addressClash,
        .inventoryDuplicateMac,
        .inventoryUnknownKey,
        .inventoryBadValue,
        .inventoryConf,
        .masterBackupMismatch,
        .peerConfigDrift,
        .vipNotInInventory,
        .inventoryVipUnused,
        .drNotSameLan,
        .realServerUnknown,
        .interfaceNotInInventory,
        .natGateway,
        .routerIdDuplicate,
        .unicastPeerMismatch,
        .checkerOnly,
        .ipvsadmFormat,
        .emptyVirtualServer,
        .generatedFile,
        .emitOption,
        .spofNoTakeover,
        .spofTwoMasters,
        .spofNoRealServer,
        .spofQuorumLost,
        .spofSyncGroupSplit,
        .spofFlapping,
    ]
}
