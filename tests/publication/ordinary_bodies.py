"""Bodies as editors write them in django-prose-editor, in the form they are
stored: the sanitiser must leave every one of them exactly as it is.

Links carry rel="noopener": the sanitiser adds it to every link (nh3's
``link_rel``), so a stored body already has it and a second save changes nothing.
"""

ORDINARY_BODIES = [
    "<p>Rainfall in the lower basin fell by a fifth over the decade.</p>",
    "<h2>Background</h2><p>The survey covered 1,200 households in four provinces.</p>",
    (
        "<p>Officials <strong>did not</strong> publish the figures, and the "
        "ministry’s <em>annual report</em> is silent on them.</p>"
    ),
    (
        '<p>The full dataset is <a href="https://example.org/data/2024" '
        'rel="noopener">available online</a>.</p>'
    ),
    (
        '<p>Write to <a href="mailto:desk@example.org" rel="noopener">'
        "the research desk</a> for the questionnaire.</p>"
    ),
    (
        '<p>See our <a href="/articles/water-and-power/" rel="noopener">'
        "earlier analysis</a> of the dam programme.</p>"
    ),
    (
        "<ul><li><p>Grain prices rose 14%.</p></li>"
        "<li><p>Fertiliser imports halved.</p></li>"
        "<li><p>Rural wages stayed flat.</p></li></ul>"
    ),
    (
        "<ol><li><p>Define the question.</p></li>"
        "<li><p>Collect the evidence.</p></li>"
        "<li><p>Test the alternatives.</p></li></ol>"
    ),
    (
        "<blockquote><p>Nobody asked the farmers what they needed.</p></blockquote>"
        "<p>— a district officer, interviewed in March.</p>"
    ),
    "<p>Ministry of Planning<br>Annual Statistical Bulletin<br>Volume 12</p>",
    (
        "<h2>Findings</h2><h3>Prices</h3><p>Prices rose.</p>"
        "<h3>Wages</h3><p>Wages did not.</p><h4>A note on method</h4>"
        "<p>All figures are in constant 2020 terms.</p>"
    ),
    (
        "<p><strong><em>Correction:</em></strong> an earlier version of this "
        "article gave the wrong year for the census.</p>"
    ),
    (
        '<p>The <a href="https://example.org/report.pdf" '
        'title="Final report, PDF, 2 MB" rel="noopener">final report</a> '
        "runs to 212 pages.</p>"
    ),
    (
        "<p>Temperatures &lt; 0 °C and &gt; 40 °C were excluded; "
        "R&amp;D spending was not.</p>"
    ),
    "<p>“Quotation marks”, ‘apostrophes’, en–dashes and em—dashes survive.</p>",
    (
        "<blockquote><p>First paragraph of a long quotation.</p>"
        "<p>Second paragraph, with <em>emphasis</em> kept.</p></blockquote>"
    ),
    (
        "<ul><li><p>Nested</p><ul><li><p>one level down</p></li>"
        "<li><p>and another item</p></li></ul></li>"
        "<li><p>back up</p></li></ul>"
    ),
    (
        '<p><a href="https://example.org/a?x=1&amp;y=2#section-3" '
        'rel="noopener">A link with a query and a fragment</a>.</p>'
    ),
    (
        "<p>Bold with <b>b</b> and italic with <i>i</i> are kept as written, "
        "like <strong>strong</strong> and <em>em</em>.</p>"
    ),
    (
        "<h2>Conclusion</h2><p>The policy worked where it was funded.</p>"
        '<p>Read the <a href="#methods" rel="noopener">methods section</a> '
        'and the <a href="https://example.org/appendix" rel="noopener">'
        "appendix</a>.</p>"
    ),
]
