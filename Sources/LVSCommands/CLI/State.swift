import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

extension StateCommand.Format: ExpressibleByArgument {}

/// `lvsc state`
public struct State: OutputCommand {
    public static let configuration = CommandConfiguration(abstract: "Print the kernel's IPVS table (ipvsadm-save -n format) or lvsc's JSON state.")

    @Option(help: ArgumentHelp("ipvsadm or json", valueName: "format"))
    public var format: StateCommand.Format = .ipvsadm

    public init() {}

    public func execute() -> CommandOutput { StateCommand.run(format: format) }
}

/// `lvsc state`
public enum StateCommand {
    public enum Format: String, CaseIterable { case ipvsadm, json }

    public static func run(format: Format) -> CommandOutput {
        var out = CommandOutput()
        do throws(KernelError) {
            let kernel = try NetlinkKernel()
            let table = try kernel.table()
            switch format {
            case .ipvsadm: out.stdout += IPVSText.save(table)
            case .json:
                // What the kernel reports, without labels: the state file keys addresses as the
                // kernel does.
                let addresses = try kernel.addresses().map { HostAddress(prefix: $0.prefix, interface: $0.interface) }
                var sysctls: [String: String] = [:]
                for n in ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"] { if let v = kernel.sysctl(n) { sysctls[n] = v } }
                let daemons = try kernel.syncDaemons().map { $0.normalized(like: []) }
                out.stdout += StateJSON.render(DirectorState(table: table, addresses: addresses, sysctls: sysctls, syncDaemons: daemons))
            }
        } catch {
            out.fail(error)
        }
        return out
    }
}
