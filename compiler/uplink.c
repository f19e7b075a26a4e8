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
static int v4_default_bridge(char name[IF_NAMESIZE])
{
	FILE *fp = fopen("/proc/net/route", "re");
	char line[256], ifname[IF_NAMESIZE], dest[16], mask[16];
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%15s %15s %*s %*s %*s %*s %*s %15s", ifname, dest, mask) == 3 &&
		    strcmp(dest, "00000000") == 0 && strcmp(mask, "00000000") == 0 &&
		    is_bridge(ifname)) {
			memcpy(name, ifname, IF_NAMESIZE);
			found = 1;
		}
	fclose(fp);
	return found;
}

/* /proc/net/ipv6_route: "dest plen src splen nexthop metric refcnt use
 * flags iface"; a default route is ::/0. */
static int v6_default_bridge(char name[IF_NAMESIZE])
{
	FILE *fp = fopen("/proc/net/ipv6_route", "re");
	char line[256], ifname[IF_NAMESIZE], dest[40], plen[4];
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%39s %3s %*s %*s %*s %*s %*s %*s %*s %15s", dest, plen, ifname) == 3 &&
		    strspn(dest, "0") == 32 && strcmp(plen, "00") == 0 && is_bridge(ifname)) {
			memcpy(name, ifname, IF_NAMESIZE);
			found = 1;
		}
	fclose(fp);
	return found;
}

int uplink_bridge(char name[IF_NAMESIZE])
{
	return v4_default_bridge(name) || v6_default_bridge(name);
}
