// The distro matrix the lab's hosts are drawn from (../shared/domain/incident.md): what each
// distro ships, what its repositories offer, and whether its libgomp leaks a pthread key per
// load. This is the lab's own ground truth, written from the incident notes, not from src/facts.

export type DistroId = 'ubuntu1604' | 'ubuntu1804' | 'ubuntu2004' | 'ubuntu2204' | 'debian9' | 'debian10' | 'debian11' | 'debian12' | 'rhel7' | 'rhel8';

export interface GompBuild {
  /** Package version of the libgomp package that ships this file. */
  pkgVersion: string;
  gcc: string;
  /** .comment line when the distro keeps it (Debian strips it). */
  comment: string | null;
  leaky: boolean;
  /** OpenMP 5.0 entry points (GCC >= 9). */
  omp5: boolean;
}

export interface Distro {
  id: DistroId;
  family: 'debian' | 'rhel';
  osRelease: string;
  kernel: string;
  glibc: string;
  usrMerged: boolean;
  php: string;                         // X.Y
  phpFull: string;
  apacheVersion: string;               // "Apache/2.4.41 (Ubuntu)"
  apachePkgVersion: string;
  /** error log lines carry ":tid N" */
  logTid: boolean;
  imagickPkg: string;                  // the package that ships imagick.so
  imagickAlias: string | null;         // php-imagick metapackage alongside phpX.Y-imagick
  imagick: string;                     // installed package version
  imagickUpstream: string;             // phpversion("imagick")
  /**
   * Newer imagick package in the repositories (null: none), and the libgomp it requires: Imagick
   * >= 3.5 packages depend on a libgomp built with GCC >= 9 (the incident notes), which the same
   * repositories offer in this distro's own version scheme.
   */
  imagickCandidate: { version: string; upstream: string; gomp: GompBuild } | null;
  magick: { version: string; pkg: string; pkgVersion: string; openmp: string | null; date: string; copyright: string };
  gompPkg: string;
  gomp: GompBuild;
  /** A fixed libgomp in the updates repository. */
  gompUpdate: GompBuild | null;
  repoLine: string;
  libdir: string;
}

const gomp = (pkgVersion: string, gcc: string, comment: string | null, leaky: boolean): GompBuild => ({ pkgVersion, gcc, comment, leaky, omp5: Number(gcc.split(/[.-]/)[0]) >= 9 });

const deb = (id: string, ver: string, name: string, pretty: string, codename: string, extra = ''): string =>
  id === 'ubuntu'
    ? `NAME="Ubuntu"\nVERSION="${ver}"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="${pretty}"\nVERSION_ID="${name}"\nHOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\nBUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\nPRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\nVERSION_CODENAME=${codename}\nUBUNTU_CODENAME=${codename}\n${extra}`
    : `PRETTY_NAME="${pretty}"\nNAME="Debian GNU/Linux"\nVERSION_ID="${name}"\nVERSION="${ver}"\nVERSION_CODENAME=${codename}\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n`;

const rhel = (major: string, pretty: string, versionId: string): string =>
  `NAME="CentOS Linux"\nVERSION="${major}"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="${versionId}"\nPRETTY_NAME="${pretty}"\nANSI_COLOR="0;31"\nCPE_NAME="cpe:/o:centos:centos:${major}"\nHOME_URL="https://www.centos.org/"\nBUG_REPORT_URL="https://bugs.centos.org/"\n`;

const IM_DEB = { pkg: 'libmagickcore-6.q16-6' };

export const DISTROS: Record<DistroId, Distro> = {
  ubuntu1604: {
    id: 'ubuntu1604', family: 'debian', kernel: '4.4.0-210-generic', glibc: '2.23', usrMerged: false,
    osRelease: deb('ubuntu', '16.04.7 LTS (Xenial Xerus)', '16.04', 'Ubuntu 16.04.7 LTS', 'xenial'),
    php: '7.0', phpFull: '7.0.33-0ubuntu0.16.04.16', apacheVersion: 'Apache/2.4.18 (Ubuntu)', apachePkgVersion: '2.4.18-2ubuntu3.17', logTid: false,
    imagickPkg: 'php-imagick', imagickAlias: null, imagick: '3.4.0~rc6-1ubuntu3', imagickUpstream: '3.4.0RC6', imagickCandidate: null,
    magick: { version: '6.8.9-9', ...IM_DEB, pkg: 'libmagickcore-6.q16-2', pkgVersion: '8:6.8.9.9-7ubuntu5.16', openmp: 'OpenMP', date: '2018-09-28', copyright: 'Copyright: © 1999-2014 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('5.4.0-6ubuntu1~16.04.12', '5.4.0 20160609', 'GCC: (Ubuntu 5.4.0-6ubuntu1~16.04.12) 5.4.0 20160609', true), gompUpdate: null,
    repoLine: 'http://archive.ubuntu.com/ubuntu xenial-updates/universe amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  ubuntu1804: {
    id: 'ubuntu1804', family: 'debian', kernel: '4.15.0-213-generic', glibc: '2.27', usrMerged: false,
    osRelease: deb('ubuntu', '18.04.6 LTS (Bionic Beaver)', '18.04', 'Ubuntu 18.04.6 LTS', 'bionic'),
    php: '7.2', phpFull: '7.2.24-0ubuntu0.18.04.17', apacheVersion: 'Apache/2.4.29 (Ubuntu)', apachePkgVersion: '2.4.29-1ubuntu4.27', logTid: false,
    imagickPkg: 'php-imagick', imagickAlias: null, imagick: '3.4.3~rc2-2ubuntu4', imagickUpstream: '3.4.3RC2', imagickCandidate: null,
    magick: { version: '6.9.7-4', ...IM_DEB, pkg: 'libmagickcore-6.q16-3', pkgVersion: '8:6.9.7.4+dfsg-16ubuntu6.15', openmp: 'OpenMP', date: '20170114', copyright: 'Copyright: © 1999-2017 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('8-20180414-1ubuntu2', '8.0.1 20180414', 'GCC: (Ubuntu 8-20180414-1ubuntu2) 8.0.1 20180414 (experimental) [trunk revision 259383]', true),
    gompUpdate: gomp('8.4.0-1ubuntu1~18.04', '8.4.0', 'GCC: (Ubuntu 8.4.0-1ubuntu1~18.04) 8.4.0', false),
    repoLine: 'http://archive.ubuntu.com/ubuntu bionic-updates/main amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  ubuntu2004: {
    id: 'ubuntu2004', family: 'debian', kernel: '5.4.0-200-generic', glibc: '2.31', usrMerged: true,
    osRelease: deb('ubuntu', '20.04 LTS (Focal Fossa)', '20.04', 'Ubuntu 20.04 LTS', 'focal'),
    php: '7.4', phpFull: '7.4.3-4ubuntu2.29', apacheVersion: 'Apache/2.4.41 (Ubuntu)', apachePkgVersion: '2.4.41-4ubuntu3.23', logTid: false,
    imagickPkg: 'php-imagick', imagickAlias: null, imagick: '3.4.4-4', imagickUpstream: '3.4.4', imagickCandidate: null,
    magick: { version: '6.9.10-23', ...IM_DEB, pkgVersion: '8:6.9.10.23+dfsg-2.1ubuntu11.11', openmp: 'OpenMP', date: '20190101', copyright: 'Copyright: © 1999-2019 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('10.5.0-1ubuntu1~20.04', '10.5.0', 'GCC: (Ubuntu 10.5.0-1ubuntu1~20.04) 10.5.0', false), gompUpdate: null,
    repoLine: 'http://archive.ubuntu.com/ubuntu focal/universe amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  ubuntu2204: {
    id: 'ubuntu2204', family: 'debian', kernel: '5.15.0-125-generic', glibc: '2.35', usrMerged: true,
    osRelease: deb('ubuntu', '22.04.5 LTS (Jammy Jellyfish)', '22.04', 'Ubuntu 22.04.5 LTS', 'jammy'),
    php: '8.1', phpFull: '8.1.2-1ubuntu2.19', apacheVersion: 'Apache/2.4.52 (Ubuntu)', apachePkgVersion: '2.4.52-1ubuntu4.12', logTid: true,
    imagickPkg: 'php8.1-imagick', imagickAlias: 'php-imagick', imagick: '3.6.0-4ubuntu1', imagickUpstream: '3.6.0', imagickCandidate: null,
    magick: { version: '6.9.11-60', ...IM_DEB, pkgVersion: '8:6.9.11.60+dfsg-1.3ubuntu0.22.04.5', openmp: 'OpenMP(4.5)', date: '2021-01-25', copyright: 'Copyright: (C) 1999-2021 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('12.3.0-1ubuntu1~22.04', '12.3.0', 'GCC: (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0', false), gompUpdate: null,
    repoLine: 'http://archive.ubuntu.com/ubuntu jammy/universe amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  debian9: {
    id: 'debian9', family: 'debian', kernel: '4.9.0-19-amd64', glibc: '2.24', usrMerged: false,
    osRelease: deb('debian', '9 (stretch)', '9', 'Debian GNU/Linux 9 (stretch)', 'stretch'),
    php: '7.0', phpFull: '7.0.33-0+deb9u12', apacheVersion: 'Apache/2.4.25 (Debian)', apachePkgVersion: '2.4.25-3+deb9u13', logTid: true,
    imagickPkg: 'php-imagick', imagickAlias: null, imagick: '3.4.3~rc2-2', imagickUpstream: '3.4.3RC2', imagickCandidate: null,
    magick: { version: '6.9.7-4', ...IM_DEB, pkg: 'libmagickcore-6.q16-3', pkgVersion: '8:6.9.7.4+dfsg-11+deb9u14', openmp: 'OpenMP', date: '20170114', copyright: 'Copyright: © 1999-2017 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('6.3.0-18+deb9u1', '6.3.0 20170516', null, true), gompUpdate: null,
    repoLine: 'http://archive.debian.org/debian stretch/main amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  debian10: {
    id: 'debian10', family: 'debian', kernel: '4.19.0-27-amd64', glibc: '2.28', usrMerged: false,
    osRelease: deb('debian', '10 (buster)', '10', 'Debian GNU/Linux 10 (buster)', 'buster'),
    php: '7.3', phpFull: '7.3.31-1~deb10u7', apacheVersion: 'Apache/2.4.59 (Debian)', apachePkgVersion: '2.4.59-1~deb10u1', logTid: true,
    imagickPkg: 'php-imagick', imagickAlias: null, imagick: '3.4.3-4.1', imagickUpstream: '3.4.3', imagickCandidate: null,
    magick: { version: '6.9.10-23', ...IM_DEB, pkgVersion: '8:6.9.10.23+dfsg-2.1+deb10u7', openmp: 'OpenMP', date: '20190101', copyright: 'Copyright: © 1999-2019 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('8.3.0-6', '8.3.0', null, true), gompUpdate: null,
    repoLine: 'http://deb.debian.org/debian buster/main amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  debian11: {
    id: 'debian11', family: 'debian', kernel: '5.10.0-33-amd64', glibc: '2.31', usrMerged: true,
    osRelease: deb('debian', '11 (bullseye)', '11', 'Debian GNU/Linux 11 (bullseye)', 'bullseye'),
    php: '7.4', phpFull: '7.4.33-1+deb11u7', apacheVersion: 'Apache/2.4.62 (Debian)', apachePkgVersion: '2.4.62-1~deb11u2', logTid: true,
    imagickPkg: 'php-imagick', imagickAlias: null, imagick: '3.4.4+php8.0+3.4.4-2+deb11u2', imagickUpstream: '3.4.4', imagickCandidate: null,
    magick: { version: '6.9.11-60', ...IM_DEB, pkgVersion: '8:6.9.11.60+dfsg-1.3+deb11u4', openmp: 'OpenMP(4.5)', date: '2021-01-25', copyright: 'Copyright: (C) 1999-2021 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('10.2.1-6', '10.2.1 20210110', null, false), gompUpdate: null,
    repoLine: 'http://deb.debian.org/debian bullseye/main amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  debian12: {
    id: 'debian12', family: 'debian', kernel: '6.1.0-27-amd64', glibc: '2.36', usrMerged: true,
    osRelease: deb('debian', '12 (bookworm)', '12', 'Debian GNU/Linux 12 (bookworm)', 'bookworm'),
    php: '8.2', phpFull: '8.2.36-1~deb12u1', apacheVersion: 'Apache/2.4.71 (Debian)', apachePkgVersion: '2.4.71-1~deb12u1', logTid: true,
    imagickPkg: 'php8.2-imagick', imagickAlias: 'php-imagick', imagick: '3.7.0-4', imagickUpstream: '3.7.0', imagickCandidate: null,
    magick: { version: '6.9.11-60', ...IM_DEB, pkgVersion: '8:6.9.11.60+dfsg-1.6+deb12u15', openmp: 'OpenMP(4.5)', date: '2021-01-25', copyright: 'Copyright: (C) 1999-2021 ImageMagick Studio LLC' },
    gompPkg: 'libgomp1', gomp: gomp('12.2.0-14+deb12u1', '12.2.0', null, false), gompUpdate: null,
    repoLine: 'http://deb.debian.org/debian bookworm/main amd64 Packages', libdir: '/usr/lib/x86_64-linux-gnu',
  },
  rhel7: {
    id: 'rhel7', family: 'rhel', kernel: '3.10.0-1160.119.1.el7.x86_64', glibc: '2.17', usrMerged: true,
    osRelease: rhel('7 (Core)', 'CentOS Linux 7 (Core)', '7'),
    php: '7.4', phpFull: '7.4.33', apacheVersion: 'Apache/2.4.6 (CentOS)', apachePkgVersion: '2.4.6-99.el7.centos.1', logTid: true,
    imagickPkg: 'php-pecl-imagick', imagickAlias: null, imagick: '3.4.4-1.el7.remi.7.4', imagickUpstream: '3.4.4',
    imagickCandidate: { version: '3.7.0-1.el7.remi.7.4', upstream: '3.7.0', gomp: gomp('9.3.1-2.el7', '9.3.1 20200408', 'GCC: (GNU) 9.3.1 20200408 (Red Hat 9.3.1-2)', false) },
    magick: { version: '6.9.10-68', pkg: 'ImageMagick6-libs', pkgVersion: '6.9.10.68-3.el7.remi', openmp: 'OpenMP(3.1)', date: '2019-10-05', copyright: 'Copyright: © 1999-2019 ImageMagick Studio LLC' },
    gompPkg: 'libgomp', gomp: gomp('4.8.5-44.el7', '4.8.5 20150623', 'GCC: (GNU) 4.8.5 20150623 (Red Hat 4.8.5-44)', false), gompUpdate: null,
    repoLine: 'remi-php74', libdir: '/usr/lib64',
  },
  rhel8: {
    id: 'rhel8', family: 'rhel', kernel: '4.18.0-553.el8_10.x86_64', glibc: '2.28', usrMerged: true,
    osRelease: rhel('8', 'CentOS Linux 8', '8'),
    php: '7.4', phpFull: '7.4.33', apacheVersion: 'Apache/2.4.37 (centos)', apachePkgVersion: '2.4.37-65.module_el8+1069+7d6cd90d', logTid: true,
    imagickPkg: 'php-pecl-imagick', imagickAlias: null, imagick: '3.4.4-1.el8.remi.7.4', imagickUpstream: '3.4.4',
    imagickCandidate: { version: '3.7.0-1.el8.remi.7.4', upstream: '3.7.0', gomp: gomp('11.2.1-9.el8', '11.2.1 20220127', 'GCC: (GNU) 11.2.1 20220127 (Red Hat 11.2.1-9)', false) },
    magick: { version: '6.9.12-93', pkg: 'ImageMagick6-libs', pkgVersion: '6.9.12.93-1.el8.remi', openmp: 'OpenMP(4.5)', date: '2023-05-28', copyright: 'Copyright: (C) 1999-2023 ImageMagick Studio LLC' },
    gompPkg: 'libgomp', gomp: gomp('8.5.0-22.el8_10', '8.5.0 20210514', 'GCC: (GNU) 8.5.0 20210514 (Red Hat 8.5.0-22)', false), gompUpdate: null,
    repoLine: 'remi-modular', libdir: '/usr/lib64',
  },
};

/** Realistic proportions for the `mixed` profile (percent). */
export const MIXED_WEIGHTS: [DistroId, number][] = [
  ['ubuntu2004', 24], ['ubuntu1804', 16], ['ubuntu2204', 14], ['debian11', 10], ['debian12', 9], ['debian10', 8],
  ['ubuntu1604', 6], ['debian9', 4], ['rhel7', 6], ['rhel8', 3],
];

/** The incident's fleet: mostly leaky builds. */
export const INCIDENT_WEIGHTS: [DistroId, number][] = [
  ['ubuntu1804', 40], ['ubuntu1604', 22], ['debian9', 14], ['debian10', 10], ['ubuntu2004', 8], ['debian12', 3], ['rhel7', 3],
];
