import LVSKernel
import LVSModel

extension SyncDaemon {
    /// keepalived's `lvs_sync_daemon` (`GlobalDefs.lvsSyncDaemonSetting`) as the daemon the kernel
    /// runs: as master where the named instance starts as MASTER, as backup elsewhere; the sync
    /// id defaults to the instance's virtual_router_id.
    public static func from(_ config: KeepalivedConfig, notes: inout [EmitNote]) -> SyncDaemon? {
        guard let setting = config.globalDefs.lvsSyncDaemonSetting else { return nil }
        let s = setting.value
        var instance: VRRPInstance?
        if let name = s.instance {
            instance = config.instances.first { $0.name.value == name }
            if instance == nil { notes.append(EmitNote("lvs_sync_daemon names no vrrp_instance '\(name)'; the daemon runs as master", at: setting.span, rule: .undefinedReference)) }
        }
        var d = SyncDaemon(role: instance.map { $0.effectiveState == .master ? .master : .backup } ?? .master,
                           interface: s.interface, syncID: s.syncID ?? instance?.virtualRouterID?.value ?? 0)
        d.origin = setting.span
        d.maxLength = s.maxLength
        d.port = s.port
        d.ttl = s.ttl
        d.group = s.group
        for word in s.unknown { notes.append(EmitNote("lvs_sync_daemon: unknown option '\(word)'", at: setting.span, rule: .invalidValue)) }
        return d
    }
}
