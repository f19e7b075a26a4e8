# Packer provisioners that compile the egress policy while the image is
# built and install the outputs and the boot-time unit. Add them to your
# build block; the policy sits beside this template in policy/egress.eg.
# The egressc package installs egressc.service (contrib/systemd/egressc.service.in).
#
# The compile resolves hostnames now, from the build machine's DNS, and
# pins every address into the image (hosts fragment and allow sets);
# rebuild images to refresh them. --save-resolved keeps what was used.

build {
  # sources = ["source.amazon-ebs.runner"]

  provisioner "file" {
    source      = "policy/egress.eg"
    destination = "/tmp/egress.eg"
  }

  provisioner "shell" {
    inline = [
      "sudo apt-get install -y egressc",
      "sudo egressc --verify -Werror --save-resolved /tmp/resolved.hosts -O /etc/egressc /tmp/egress.eg",
      "sudo systemctl enable egressc.service",
    ]
  }

  # The outputs, for review beside the image.
  provisioner "file" {
    direction   = "download"
    source      = "/etc/egressc/"
    destination = "out/egressc/"
  }
}
