/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/uplink.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emit/names.h"
#include "lib/vec.h"

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

/* Ports a container or VM network's bridge holds: one end of a veth pair
 * (a container's, a CNI pod's) or a tap (a VM's, libvirt's). Anything
 * else - an Ethernet device (no kind at all), a bond, a VLAN, a tunnel -
 * reaches a segment beyond this machine. */
static bool container_port_kind(const char *kind)
{
	return strcmp(kind, "veth") == 0 || strcmp(kind, "tun") == 0;
}

/* One link of an RTM_GETLINK dump: what bridge_outside_port() needs. */
struct link_info {
	int index, master;
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND; "" when the device has none */
};

static void link_parse(struct nlmsghdr *nh, struct link_info *l)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int alen = (int)IFLA_PAYLOAD(nh);

	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == IFLA_IFNAME)
			snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
		else if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD(a) >= sizeof(int))
			memcpy(&l->master, RTA_DATA(a), sizeof(int));
		else if (a->rta_type == IFLA_LINKINFO) {
			int ilen = (int)RTA_PAYLOAD(a);
			for (struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen))
				if (i->rta_type == IFLA_INFO_KIND)
					snprintf(l->kind, sizeof(l->kind), "%.*s",
						 (int)RTA_PAYLOAD(i), (const char *)RTA_DATA(i));
		}
	}
}

/* Every link of this network namespace, from one RTM_GETLINK dump; into
 * *LINKS (malloc'd). Returns the count, or -1. */
static int links_dump(struct link_info **links)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	char reply[32768];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	size_t n = 0, cap = 0;
	bool done = false;

	*links = NULL;
	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.ifi.ifi_family = AF_UNSPEC;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		goto fail;
	while (!done) {
		ssize_t got = recv(fd, reply, sizeof(reply), 0);
		if (got <= 0)
			goto fail;
		size_t left = (size_t)got;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)reply; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR)
				goto fail;
			if (nh->nlmsg_type != RTM_NEWLINK)
				continue;
			VEC_GROW(*links, n + 1, cap);
			link_parse(nh, &(*links)[n++]);
		}
	}
	close(fd);
	return (int)n;
fail:
	close(fd);
	free(*links);
	*links = NULL;
	return -1;
}

int bridge_outside_port(bool by_name, char bridge[IF_NAMESIZE], char port[IF_NAMESIZE])
{
	struct link_info *links;
	int n = links_dump(&links);
	int found = 0;

	if (n < 0)
		return -1;
	for (int i = 0; i < n && !found; i++) {
		if (!links[i].master || container_port_kind(links[i].kind))
			continue;
		for (int j = 0; j < n; j++)
			if (links[j].index == links[i].master &&
			    kept_local(links[j].name, by_name)) {
				memcpy(bridge, links[j].name, IF_NAMESIZE);
				memcpy(port, links[i].name, IF_NAMESIZE);
				found = 1;
				break;
			}
	}
	free(links);
	return found;
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
