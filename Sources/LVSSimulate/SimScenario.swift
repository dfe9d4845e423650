import LVSCore
import LVSModel

/// The failures of one `lvsc simulate` run, as an operator names them on the command line.
public struct SimScenario: Sendable {
    public var failures: [SimFailure] = []

    public struct Problem: Error, Sendable { public var message: String }

    public init() {}

    /// `down`/`stop`: director names; `linkDown`: `HOST` (every interface its instances use)
    /// or `HOST:IFACE`; `scriptFails`: `HOST:SCRIPT`; `realServerDown`: an address or an
    /// inventory host name.
    public static func parse(model: SimulationModel, cluster: Cluster, down: [String], stop: [String], linkDown: [String],
                             scriptFails: [String], realServerDown: [String]) -> Result<SimScenario, Problem> {
        var s = SimScenario()
        let names = model.directors.map(\.name)
        func director(_ name: String, _ option: String) throws(Problem) -> Int {
            guard let d = names.firstIndex(of: name) else {
                throw Problem(message: "\(option) \(LVSCore.ValueSyntax.shown(Array(name.utf8))): not a director of the cluster (directors: \(names.joined(separator: ", ")))")
            }
            return d
        }
        func split(_ v: String) -> (String, String?) {
            guard let colon = v.firstIndex(of: ":") else { return (v, nil) }
            return (String(v[..<colon]), String(v[v.index(after: colon)...]))
        }
        do throws(Problem) {
            for n in down { s.failures.append(.directorDown(try director(n, "--down"))) }
            for n in stop { s.failures.append(.directorStopped(try director(n, "--stop"))) }
            for v in linkDown {
                let (n, iface) = split(v)
                let d = try director(n, "--link-down")
                let interfaces = model.directors[d].vrrpInterfaces
                if let iface {
                    guard interfaces.contains(iface) else {
                        throw Problem(message: "--link-down \(v): \(n) neither runs nor tracks a VRRP instance on \(LVSCore.ValueSyntax.shown(Array(iface.utf8))) (its interfaces: \(interfaces.joined(separator: ", ")))")
                    }
                    s.failures.append(.linkDown(d, iface))
                } else {
                    let own = model.directors[d].plan.instances.reduce(into: [String]()) { out, p in if !out.contains(p.interface) { out.append(p.interface) } }
                    guard !own.isEmpty else { throw Problem(message: "--link-down \(n): \(n) has no VRRP instance") }
                    for i in own { s.failures.append(.linkDown(d, i)) }
                }
            }
            for v in scriptFails {
                let (n, script) = split(v)
                let d = try director(n, "--script-fails")
                let scripts = model.directors[d].plan.scripts.map(\.name)
                guard let script, scripts.contains(script) else {
                    throw Problem(message: "--script-fails \(v): give HOST:SCRIPT, a vrrp_script an instance of \(n) tracks (\(scripts.isEmpty ? "it tracks none" : scripts.joined(separator: ", ")))")
                }
                s.failures.append(.scriptFails(d, script))
            }
            for v in realServerDown {
                if let a = IPAddress.parse(v) {
                    s.failures.append(.realServerDown(a))
                } else if let host = cluster.inventory.hosts.first(where: { $0.name.value == v }), let a = host.address?.value {
                    s.failures.append(.realServerDown(a))
                } else {
                    throw Problem(message: "--real-server-down \(LVSCore.ValueSyntax.shown(Array(v.utf8))): neither an address nor a host of the inventory")
                }
            }
        } catch {
            return .failure(error)
        }
        return .success(s)
    }
}

extension SimFailure {
    /// How a report names the failure.
    public func describe(_ model: SimulationModel) -> String {
        switch self {
        case .directorDown(let d): return "\(model.directors[d].name) down"
        case .directorStopped(let d): return "\(model.directors[d].name) stopped"
        case .linkDown(let d, let i): return "\(model.directors[d].name) link \(i) down"
        case .scriptFails(let d, let s): return "\(model.directors[d].name) script \(s) fails"
        case .realServerDown(let a): return "real server \(a) down"
        }
    }

    /// A stable name for JSON.
    public var kind: String {
        switch self {
        case .directorDown: return "director-down"
        case .directorStopped: return "director-stopped"
        case .linkDown: return "link-down"
        case .scriptFails: return "script-fails"
        case .realServerDown: return "real-server-down"
        }
    }
}
