# SPDX-License-Identifier: GPL-2.0-or-later
# Packer provisioners that install egressc, compile the egress policy while
# the image is built, and enable the boot-time unit. Add them to your build
# block; the policy sits beside this template in policy/egress.eg.
#
# egressc comes from a .deb you build from its source first, on the
# distribution release the image is built from (the package depends on
# that release's libnftables and c-ares), in a checkout at a pinned tag:
#
#   sudo apt-get install build-essential dpkg-dev
#   sudo apt-get build-dep ./     # debian/control's Build-Depends
#   dpkg-buildpackage -us -uc -b  # writes ../egressc_VERSION_ARCH.deb
#
# then point egressc_deb at it. The package installs egressc.service
# (contrib/systemd/egressc.service.in), not enabled; the last step here
# enables it.
#
# The compile resolves hostnames now, from the build machine's DNS, and
# pins every address into the image (hosts fragment and allow sets);
# rebuild images to refresh them. --save-resolved keeps what was used.

variable "egressc_deb" {
  type        = string
  description = "the egressc .deb built with dpkg-buildpackage, e.g. egressc_0.1.0-1_amd64.deb"
}

build {
  # sources = ["source.amazon-ebs.runner"]

  provisioner "file" {
    source      = var.egressc_deb
    destination = "/tmp/egressc.deb"
  }

  provisioner "file" {
    source      = "policy/egress.eg"
    destination = "/tmp/egress.eg"
  }

  provisioner "shell" {
    inline = [
      "set -eu",
      "sudo apt-get update",
      # apt installs what the package depends on (libnftables1, libc-ares2).
      "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/egressc.deb",
      "sudo egressc --verify -Werror --save-resolved /tmp/resolved.hosts -O /etc/egressc /tmp/egress.eg",
      "sudo systemctl enable egressc.service",
    ]
  }

  # The outputs and the resolution they were compiled with, for review
  # beside the image.
  provisioner "file" {
    direction   = "download"
    source      = "/etc/egressc/"
    destination = "out/egressc/"
  }

  provisioner "file" {
    direction   = "download"
    source      = "/tmp/resolved.hosts"
    destination = "out/resolved.hosts"
  }
}
