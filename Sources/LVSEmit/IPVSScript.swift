import LVSKernel
import LVSModel

/// `lvsc emit ipvsadm`: a director's virtual-service table as ipvsadm text.
public enum IPVSScript {
    public enum Style: String, Sendable, CaseIterable {
        /// Exactly `ipvsadm-save -n` of the loaded table: input for `ipvsadm-restore`.
        case restore
        /// A re-runnable shell script in the seed's section 4 style.
        case commands
    }

    /// Notes for what the style cannot carry.
    public static func notes(_ table: IPVSTable, style: Style) -> [EmitNote] {
        guard style == .restore else { return [] }
        var out: [EmitNote] = []
        for s in table.services {
            if case .fwmark(let m, _) = s.key, m >= 0x8000_0000 {
                out.append(EmitNote("fwmark \(m) is saved as \(Int32(bitPattern: m)), as ipvsadm-save prints it, and ipvsadm-restore rejects that (ipvsadm 1.31): use --style commands or lvsc apply", at: s.origin, rule: .ipvsadmFormat, severity: .warning))
            }
            for d in s.destinations where d.upperThreshold != 0 || d.lowerThreshold != 0 {
                out.append(EmitNote("uthreshold/lthreshold of \(IPVSText.endpoint(d.address, d.port)) are not in ipvsadm-save's format: use --style commands (-x/-y) or lvsc apply", at: d.origin, rule: .ipvsadmFormat, severity: .warning))
            }
        }
        return out
    }

    /// Words joined into a command line, each quoted as the shell needs.
    public static func command(_ args: [String]) -> String { args.map(Shell.word).joined(separator: " ") }

    public static func render(_ table: IPVSTable, style: Style, header: String) -> String {
        switch style {
        case .restore:
            return IPVSText.save(table)
        case .commands:
            var out = "#!/bin/sh\n"
            for line in header.split(separator: "\n", omittingEmptySubsequences: false) { out += "# \(Shell.comment(String(line)))\n" }
            out += "set -e\n"
            let sorted = IPVSText.sorted(table)
            // Delete each service that exists already, so the script can be re-run; under set -e a
            // failing delete of an existing service still stops the script.
            for s in sorted.services {
                let svc = command(IPVSText.serviceArgs(s.key))
                out += "ipvsadm -L -n \(svc) >/dev/null 2>&1 && ipvsadm -D \(svc)\n"
            }
            for s in sorted.services {
                out += "ipvsadm \(command(IPVSText.addServiceArgs(s)))\n"
                for d in s.destinations {
                    var args = IPVSText.addDestinationArgs(s, d)
                    if d.upperThreshold != 0 { args += ["-x", String(d.upperThreshold)] }
                    if d.lowerThreshold != 0 { args += ["-y", String(d.lowerThreshold)] }
                    out += "ipvsadm \(command(args))\n"
                }
            }
            return out
        }
    }
}
