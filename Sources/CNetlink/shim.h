// libnl headers the Swift netlink layer (LVSNetlink) is built on.
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
