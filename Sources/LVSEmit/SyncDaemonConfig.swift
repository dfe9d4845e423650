import LVSKernel
import LVSModel

extension SyncDaemon {
    /// keepalived's `lvs_sync_daemon IFACE [INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]`:
    /// the daemon runs as master where INSTANCE starts as MASTER, as backup elsewhere; the sync id
    /// defaults to the instance's virtual_router_id.
    public static func from(_ config: KeepalivedConfig, notes: inout [EmitNote]) -> SyncDaemon? {
        guard let line = config.globalDefs.lvsSyncDaemon else { return nil }
        let words = line.value.split(separator: " ").map(String.init)
        guard let iface = words.first else { return nil }
        var i = 1
        var instance: VRRPInstance?
        if i < words.count, !["id", "maxlen", "port", "ttl", "group"].contains(words[i]) {
            instance = config.instances.first { $0.name.value == words[i] }
            if instance == nil { notes.append(EmitNote("lvs_sync_daemon names no vrrp_instance '\(words[i])'; the daemon runs as master", at: line.span)) }
            i += 1
        }
        var d = SyncDaemon(role: instance.map { $0.effectiveState == .master ? .master : .backup } ?? .master,
                           interface: iface, syncID: instance?.virtualRouterID?.value ?? 0)
        d.origin = line.span
        while i + 1 < words.count {
            let v = words[i + 1]
            switch words[i] {
            case "id": d.syncID = Int(v) ?? d.syncID
            case "maxlen": d.maxLength = Int(v)
            case "port": d.port = Int(v)
            case "ttl": d.ttl = Int(v)
            case "group": d.group = IPAddress.parse(v)
            default: notes.append(EmitNote("lvs_sync_daemon: unknown option '\(words[i])'", at: line.span))
            }
            i += 2
        }
        return d
    }
}
