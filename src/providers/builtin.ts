import { registerProvider } from "../core/registry.js";

// The built-in providers, as descriptors only: each `load` imports its driver when first opened, so
// importing omnicloud costs the same however many providers exist. Providers are added as they land.

registerProvider({
  service: "storage",
  name: "local",
  title: "Local folder (embedded default)",
  aliases: ["file", "filesystem"],
  local: true,
  features: ["atomic-writes", "metadata", "ranges", "md5", "sha256", "multipart", "server-side-copy"],
  load: async () => (await import("./local/storage.js")).createLocalStorage,
});

registerProvider({
  service: "storage",
  name: "s3",
  title: "Amazon S3",
  aliases: ["aws-s3", "amazon-s3"],
  features: ["multipart", "server-side-copy", "batch-delete", "signed-urls", "sse", "storage-classes", "md5"],
  load: async () => (await import("./aws/s3.js")).createS3Storage,
});

registerProvider({
  service: "storage",
  name: "azure-blob",
  title: "Azure Blob Storage (and the Azurite emulator)",
  aliases: ["azure", "azure-storage", "azure-blobs", "azurite"],
  features: ["block-blobs", "multipart", "server-side-copy", "batch-delete", "signed-urls", "sas", "md5"],
  load: async () => (await import("./azure/blob.js")).createAzureBlobStorage,
});

registerProvider({
  service: "storage",
  name: "swift",
  title: "OpenStack Swift (Keystone or v1.0 auth)",
  aliases: ["openstack-swift", "openstack-storage"],
  features: ["multipart", "slo", "server-side-copy", "batch-delete", "signed-urls", "tempurl", "md5"],
  load: async () => (await import("./openstack/swift.js")).createSwiftStorage,
});

// S3-compatible services: the s3 driver with each service's endpoint, region and addressing rules.
for (const [name, title, aliases] of [
  ["minio", "MinIO (S3 API)", []],
  ["ceph", "Ceph Object Gateway (RGW, S3 API)", ["ceph-rgw", "radosgw"]],
  ["r2", "Cloudflare R2", ["cloudflare-r2"]],
  ["digitalocean-spaces", "DigitalOcean Spaces", ["do-spaces", "spaces"]],
  ["backblaze-b2", "Backblaze B2 (S3-compatible API)", ["b2"]],
  ["wasabi", "Wasabi", []],
  ["scaleway", "Scaleway Object Storage", ["scw"]],
  ["ovh", "OVHcloud Object Storage (S3)", ["ovhcloud"]],
  ["linode", "Linode (Akamai) Object Storage", ["akamai-object-storage"]],
  ["alibaba-oss", "Alibaba Cloud OSS (S3-compatible mode)", ["aliyun-oss", "oss"]],
] as const) {
  registerProvider({
    service: "storage",
    name,
    title,
    aliases,
    features: ["s3-api", "multipart", "server-side-copy", "batch-delete", "signed-urls"],
    load: async () => (await import("./aws/s3-compatible.js")).s3CompatibleFactory(name),
  });
}

registerProvider({
  service: "dns",
  name: "local",
  title: "Local zone files (embedded default)",
  aliases: ["zonefile", "zone-files"],
  local: true,
  features: ["zone-files", "atomic-writes", "serial-bump"],
  load: async () => (await import("./local/dns.js")).createLocalDns,
});

registerProvider({
  service: "dns",
  name: "powerdns",
  title: "PowerDNS Authoritative (HTTP API v1)",
  aliases: ["pdns"],
  features: ["alias", "atomic-changes"],
  load: async () => (await import("./powerdns/dns.js")).createPowerDns,
});

registerProvider({
  service: "compute",
  name: "libvirt",
  title: "libvirt (KVM/QEMU through qemu:///session, or the in-process test driver)",
  aliases: ["kvm", "qemu"],
  local: true,
  features: ["idempotent-create", "volumes", "snapshots", "images", "networks", "storage-pools"],
  load: async () => (await import("./libvirt/compute.js")).createLibvirtCompute,
});

registerProvider({
  service: "compute",
  name: "ec2",
  title: "Amazon EC2 (Query API, SigV4)",
  aliases: ["aws-ec2", "amazon-ec2"],
  features: ["idempotent-create", "key-pairs", "volumes", "snapshots", "images", "copy-image", "spot"],
  load: async () => (await import("./aws/ec2.js")).createEc2Compute,
});

registerProvider({
  service: "compute",
  name: "digitalocean",
  title: "DigitalOcean Droplets (API v2)",
  aliases: ["do", "digital-ocean"],
  features: ["idempotent-create", "key-pairs", "volumes", "snapshots", "images", "image-transfer", "prices"],
  load: async () => (await import("./digitalocean/compute.js")).createDigitalOceanCompute,
});

registerProvider({
  service: "compute",
  name: "openstack",
  title: "OpenStack (Keystone v3, Nova, Glance v2, Cinder)",
  aliases: ["nova"],
  features: [
    "idempotent-create",
    "key-pairs",
    "volumes",
    "snapshots",
    "images",
    "image-upload",
    "service-catalog",
  ],
  load: async () => (await import("./openstack/compute.js")).createOpenStackCompute,
});

registerProvider({
  service: "dns",
  name: "rfc2136",
  title: "RFC 2136 dynamic updates with TSIG, read by AXFR (BIND 9, Knot DNS, ...)",
  aliases: ["nsupdate", "ddns"],
  features: ["tsig", "axfr", "atomic-changes", "zone-provisioning-hook"],
  load: async () => (await import("./rfc2136/dns.js")).createRfc2136,
});

registerProvider({
  service: "dns",
  name: "route53",
  title: "Amazon Route 53",
  aliases: ["aws-route53", "amazon-route53"],
  features: ["alias", "atomic-changes", "sigv4"],
  load: async () => (await import("./aws/route53.js")).createRoute53,
});

registerProvider({
  service: "dns",
  name: "cloudflare",
  title: "Cloudflare DNS (API v4)",
  aliases: ["cloudflare-dns", "cf"],
  features: ["alias", "per-record-api"],
  load: async () => (await import("./cloudflare/dns.js")).createCloudflareDns,
});

registerProvider({
  service: "dns",
  name: "digitalocean",
  title: "DigitalOcean DNS (API v2 domains)",
  aliases: ["digitalocean-dns", "do"],
  features: ["per-record-api"],
  load: async () => (await import("./digitalocean/dns.js")).createDigitalOceanDns,
});

registerProvider({
  service: "dns",
  name: "linode",
  title: "Linode (Akamai) DNS Manager (API v4)",
  aliases: ["linode-dns", "akamai-linode-dns"],
  features: ["per-record-api"],
  load: async () => (await import("./linode/dns.js")).createLinodeDns,
});

registerProvider({
  service: "dns",
  name: "google",
  title: "Google Cloud DNS (API v1)",
  aliases: ["google-cloud-dns", "gcp-dns"],
  features: ["alias", "atomic-changes", "service-account"],
  load: async () => (await import("./google/dns.js")).createGoogleDns,
});
