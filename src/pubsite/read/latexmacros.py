"""What LaTeX commands mean as text: logos, NASA ADS journal macros, commands that only
change the font or box their argument. One table, used by the decoder and by the check
that names commands pubsite does not know."""

from __future__ import annotations

# aas_macros.sty (AAS journals, as NASA ADS exports them) and the forms people also use.
AAS_JOURNALS = {
    "aj": "AJ", "actaa": "Acta Astron.", "araa": "ARA&A", "apj": "ApJ", "apjl": "ApJL",
    "apjs": "ApJS", "ao": "Appl. Opt.", "apss": "Ap&SS", "aap": "A&A", "aapr": "A&A Rev.",
    "aaps": "A&AS", "azh": "AZh", "baas": "BAAS", "bac": "Bull. Astron. Inst. Czechoslovakia",
    "caa": "Chinese Astron. Astrophys.", "cjaa": "Chinese J. Astron. Astrophys.",
    "icarus": "Icarus", "jcap": "J. Cosmology Astropart. Phys.", "jrasc": "JRASC",
    "memras": "MmRAS", "mnras": "MNRAS", "na": "New A", "nar": "New A Rev.",
    "pra": "Phys. Rev. A", "prb": "Phys. Rev. B", "prc": "Phys. Rev. C",
    "prd": "Phys. Rev. D", "pre": "Phys. Rev. E", "prl": "Phys. Rev. Lett.",
    "physreva": "Phys. Rev. A", "physrevb": "Phys. Rev. B", "physrevc": "Phys. Rev. C",
    "physrevd": "Phys. Rev. D", "physreve": "Phys. Rev. E", "physrevl": "Phys. Rev. Lett.",
    "pasa": "PASA", "pasp": "PASP", "pasj": "PASJ", "rmxaa": "Rev. Mexicana Astron. Astrofis.",
    "qjras": "QJRAS", "skytel": "S&T", "solphys": "Sol. Phys.", "sovast": "Soviet Ast.",
    "ssr": "Space Sci. Rev.", "zap": "ZAp", "nat": "Nature", "iaucirc": "IAU Circ.",
    "aplett": "Astrophys. Lett.", "apspr": "Astrophys. Space Phys. Res.",
    "bain": "Bull. Astron. Inst. Netherlands", "fcp": "Fund. Cosmic Phys.",
    "gca": "Geochim. Cosmochim. Acta", "grl": "Geophys. Res. Lett.", "jcp": "J. Chem. Phys.",
    "jgr": "J. Geophys. Res.", "jqsrt": "J. Quant. Spec. Radiat. Transf.",
    "memsai": "Mem. Soc. Astron. Italiana", "nphysa": "Nucl. Phys. A",
    "physrep": "Phys. Rep.", "physscr": "Phys. Scr", "planss": "Planet. Space Sci.",
    "procspie": "Proc. SPIE", "psj": "PSJ", "maps": "M&PS", "dps": "DPS", "aas": "AAS",
}
LOGOS = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2ε", "XeTeX": "XeTeX",
    "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX", "pdfTeX": "pdfTeX",
    "pdfLaTeX": "pdfLaTeX", "ConTeXt": "ConTeXt", "BibTeX": "BibTeX", "BibLaTeX": "BibLaTeX",
    "biblatex": "biblatex", "AmS": "AMS", "AmSTeX": "AMS-TeX", "MF": "Metafont",
    "MP": "MetaPost", "METAFONT": "METAFONT", "eTeX": "ε-TeX", "SliTeX": "SliTeX",
}
# Commands that only style or box their argument: the argument is the text.
TEXT_OF_ARGUMENT = (
    "texttt", "textup", "textmd", "textsl", "textsf", "textnormal", "mbox", "hbox", "vbox",
    "fbox", "makebox", "text", "textrm", "mathrm", "mathit", "mathbf", "mathsf", "mathtt",
    "mathcal", "mathbb", "mathfrak", "boldsymbol", "ensuremath", "llap", "rlap", "smash",
    "underline", "uline", "emph", "textit", "textbf", "textsc", "NoCaseChange", "MakeUppercase",
    "MakeLowercase", "uppercase", "lowercase", "bm", "operatorname", "sout", "mathsf",
)
# csquotes and friends: the argument in quotation marks.
QUOTED = ("enquote", "textquote", "mkbibquote")
# Commands that print nothing a reader needs (spacing, kerning, sorting hints).
SILENT = ("noopsort", "relax", "nobreak", "allowbreak", "linebreak", "newline", "break",
          "hfill", "vfill", "strut", "protect", "xspace", "nolinkurl", "ignorespaces",
          "unskip", "null", "leavevmode", "penalty", "hspace", "vspace", "phantom", "hphantom",
          "vphantom", "nocite", "label", "index", "footnotemark")
