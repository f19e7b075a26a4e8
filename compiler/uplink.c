#include "uplink.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The kernel's own answer, in this network namespace: the bridge driver
 * says "bridge" for its devices. (/sys/class/net may belong to another
 * namespace than the caller's.) */
static bool is_bridge(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool bridge = false;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		bridge = strcmp(info.driver, "bridge") == 0;
	close(fd);
	return bridge;
}

/* /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric
 * Mask ...", hexadecimal; a default route has destination and mask 0. */
static bool v4_default(const char *line, char ifname[IF_NAMESIZE])
{
	char dest[16], mask[16];

	return sscanf(line, "%15s %15s %*s %*s %*s %*s %*s %15s", ifname, dest, mask) == 3 &&
	       strcmp(dest, "00000000") == 0 && strcmp(mask, "00000000") == 0;
}

/* /proc/net/ipv6_route: "dest plen src splen nexthop metric refcnt use
 * flags iface"; a default route is ::/0. */
static bool v6_default(const char *line, char ifname[IF_NAMESIZE])
{
	char dest[40], plen[4];

	return sscanf(line, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %15s", dest, plen, ifname) == 3 &&
	       strspn(dest, "0") == 32 && strcmp(plen, "00") == 0;
}

/* The first default route of the table at PATH that leaves through a
 * bridge: its interface into NAME. */
static int default_bridge(const char *path, bool (*is_default)(const char *, char *),
			  char name[IF_NAMESIZE])
{
	FILE *fp = fopen(path, "re");
	char line[256], ifname[IF_NAMESIZE];
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (is_default(line, ifname) && is_bridge(ifname)) {
			memcpy(name, ifname, IF_NAMESIZE);
			found = 1;
		}
	fclose(fp);
	return found;
}

int uplink_bridge(char name[IF_NAMESIZE])
{
	return default_bridge("/proc/net/route", v4_default, name) ||
	       default_bridge("/proc/net/ipv6_route", v6_default, name);
}
