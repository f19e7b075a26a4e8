/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/uplink.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emit/names.h"

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

/* Whether egressc keeps what leaves through IFNAME local. */
static bool kept_local(const char *ifname, bool by_name)
{
	if (!by_name)
		return is_bridge(ifname);
	for (const char *const *b = ipt_local_bridges; *b; b++) {
		/* iptables' "br-+" is the glob "br-*". */
		char glob[IF_NAMESIZE + 2];
		snprintf(glob, sizeof(glob), "%s", *b);
		char *plus = strchr(glob, '+');
		if (plus)
			*plus = '*';
		if (fnmatch(glob, ifname, 0) == 0)
			return true;
	}
	return false;
}

/* The first default route of the table at PATH that leaves through an
 * interface kept local: its name into NAME. */
static int default_kept(const char *path, bool (*is_default)(const char *, char *),
			bool by_name, char name[IF_NAMESIZE])
{
	FILE *fp = fopen(path, "re");
	char line[256], ifname[IF_NAMESIZE];
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (is_default(line, ifname) && kept_local(ifname, by_name)) {
			memcpy(name, ifname, IF_NAMESIZE);
			found = 1;
		}
	fclose(fp);
	return found;
}

/* The interface the kernel routes DEST (of FAMILY, LEN bytes) out of, as
 * for a packet this machine sends: an RTM_GETROUTE, which sees every table
 * and rule. Into IFNAME; returns 0, or -1 when there is no route. */
static int route_oif(int family, const void *dest, size_t len, char ifname[IF_NAMESIZE])
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attrs[64];
	} req;
	char reply[4096];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int rc = -1;

	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.rt.rtm_family = (unsigned char)family;
	req.rt.rtm_dst_len = (unsigned char)(len * 8);
	struct rtattr *ra = (struct rtattr *)req.attrs;
	ra->rta_type = RTA_DST;
	ra->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(ra), dest, len);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt)) + RTA_ALIGN(ra->rta_len);
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		goto out;
	ssize_t n = recv(fd, reply, sizeof(reply), 0);
	struct nlmsghdr *nh = (struct nlmsghdr *)reply;
	if (n < 0 || !NLMSG_OK(nh, (size_t)n) || nh->nlmsg_type != RTM_NEWROUTE)
		goto out;
	struct rtmsg *rt = NLMSG_DATA(nh);
	int alen = (int)RTM_PAYLOAD(nh);
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if (a->rta_type == RTA_OIF && if_indextoname(*(unsigned *)RTA_DATA(a), ifname))
			rc = 0;
out:
	close(fd);
	return rc;
}

int uplink_local(bool by_name, char name[IF_NAMESIZE])
{
	/* Addresses out on the internet, as far as routing goes (a lookup
	 * only: nothing is sent): the benchmarking ranges (RFC 2544, RFC 5180),
	 * which no runner serves and, unlike the documentation ranges, no
	 * container network or test topology here uses. */
	struct in_addr v4;
	struct in6_addr v6;
	char ifname[IF_NAMESIZE];

	if (default_kept("/proc/net/route", v4_default, by_name, name) ||
	    default_kept("/proc/net/ipv6_route", v6_default, by_name, name))
		return 1;
	inet_pton(AF_INET, "198.18.0.1", &v4);
	inet_pton(AF_INET6, "2001:2::1", &v6);
	if ((route_oif(AF_INET, &v4, sizeof(v4), ifname) == 0 && kept_local(ifname, by_name)) ||
	    (route_oif(AF_INET6, &v6, sizeof(v6), ifname) == 0 && kept_local(ifname, by_name))) {
		memcpy(name, ifname, IF_NAMESIZE);
		return 1;
	}
	return 0;
}
