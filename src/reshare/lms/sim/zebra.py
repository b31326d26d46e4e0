"""The simulator's Z39.50 face: a Debian Zebra server (``zebrasrv``) fed from the simulator's
records, re-indexed whenever a loan starts or ends, so a Z39.50 search sees live availability.

Records are MARCXML with Koha-style 952 items (``$q`` = due date while on loan) and are served
as USMARC (converted by YAZ's retrieval chain) like a Koha catalogue, indexed for title (1=4),
ISBN (1=7) and local record id (1=12). Needs the Debian package ``idzebra-2.0``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from reshare.lms.sim import sru
from reshare.lms.sim.state import Library

INDEX_XSL = """<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:m="http://www.loc.gov/MARC21/slim" xmlns:z="http://indexdata.com/zebra-2.0">
  <xsl:output indent="yes" method="xml" encoding="UTF-8"/>
  <xsl:template match="text()"/>
  <xsl:template match="/m:record">
    <z:record z:id="{m:controlfield[@tag='001']}" z:type="update">
      <z:index name="Local-number:w"><xsl:value-of select="m:controlfield[@tag='001']"/></z:index>
      <xsl:for-each select="m:datafield[@tag='020']/m:subfield[@code='a']">
        <z:index name="ISBN:w"><xsl:value-of select="translate(., '-', '')"/></z:index>
      </xsl:for-each>
      <xsl:for-each select="m:datafield[@tag='245']/m:subfield">
        <z:index name="Title:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
    </z:record>
  </xsl:template>
</xsl:stylesheet>
"""
IDENTITY_XSL = """<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8"/>
  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/>
  </xsl:copy></xsl:template>
</xsl:stylesheet>
"""
DOM = """<dom xmlns="http://indexdata.com/zebra-2.0">
  <extract name="index"><xslt stylesheet="index.xsl"/></extract>
  <retrieve name="marc"><xslt stylesheet="identity.xsl"/></retrieve>
  <input syntax="xml"><xmlreader level="1"/></input>
</dom>
"""
ZEBRA_CFG = """profilePath: .:/usr/share/idzebra-2.0/tab
modulePath: /usr/lib/x86_64-linux-gnu/idzebra-2.0/modules:/usr/lib/idzebra-2.0/modules
recordtype: dom.dom.xml
attset: bib1.att
attset: explain.att
index: default.idx
encoding: utf-8
register: reg:20M
shadow: shadow:20M
"""
_MARC = ('<marc inputformat="xml" outputformat="marc" inputcharset="utf-8" '
         'outputcharset="utf-8"/>')
GFS = f"""<yazgfs>
  <listen id="public">{{listen}}</listen>
  <server id="zebra" listenref="public">
    <config>zebra.cfg</config>
    <retrievalinfo>
      <retrieval syntax="usmarc"><backend syntax="xml" name="marc">{_MARC}</backend></retrieval>
      <retrieval syntax="xml" name="marcxml"><backend syntax="xml" name="marc"/></retrieval>
    </retrievalinfo>
  </server>
</yazgfs>
"""


class ZebraUnavailable(RuntimeError):
    pass


class ZebraCatalogue:
    """Runs zebrasrv on ``host:port`` for ``library`` until :meth:`stop`."""

    def __init__(self, library: Library, host: str, port: int) -> None:
        for tool in ("zebraidx", "zebrasrv"):
            if shutil.which(tool) is None:
                raise ZebraUnavailable(f"{tool} not found: install the Debian package "
                                       "idzebra-2.0 to serve the simulator over Z39.50")
        self.library = library
        self.address = f"{host}:{port}/Default"
        self.dir = Path(tempfile.mkdtemp(prefix="lms-sim-zebra-"))
        self._server: subprocess.Popen[bytes] | None = None
        for name, text in (("index.xsl", INDEX_XSL), ("identity.xsl", IDENTITY_XSL),
                           ("dom.xml", DOM), ("zebra.cfg", ZEBRA_CFG),
                           ("yazgfs.xml", GFS.replace("{listen}", f"tcp:{host}:{port}"))):
            (self.dir / name).write_text(text)
        for sub in ("reg", "shadow"):
            (self.dir / sub).mkdir()

    def _zebraidx(self, *args: str) -> None:
        subprocess.run(["zebraidx", "-c", "zebra.cfg", *args], cwd=self.dir, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def refresh(self) -> None:
        """Re-export every record and index the changes (records replace by their 001)."""
        with self.library.lock:  # the one lock: circulation waits for the index to catch up
            found = sru.search(self.library, [])
            records = "".join(sru.marc_record(self.library, copies) for copies in found)
            (self.dir / "records.xml").write_text(f"<collection>{records}</collection>")
            self._zebraidx("update", "records.xml")
            self._zebraidx("commit")

    def start(self) -> None:
        self._zebraidx("init")
        self.refresh()
        self.library.on_change.append(self.refresh)
        log = self.dir / "zebrasrv.log"
        self._server = subprocess.Popen(["zebrasrv", "-f", "yazgfs.xml", "-l", str(log)],
                                        cwd=self.dir, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        for _ in range(100):
            if "listener" in (log.read_text() if log.exists() else ""):
                return
            if self._server.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise ZebraUnavailable(f"zebrasrv did not start on {self.address}")

    def stop(self) -> None:
        if self.refresh in self.library.on_change:
            self.library.on_change.remove(self.refresh)
        if self._server is not None and self._server.poll() is None:
            self._server.terminate()
            self._server.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
