import { escapeHtml, jsonForScript, rawJson, text, visible } from '#shared/report/escape';

describe('text from logs into HTML', () => {
  it('escapes every character that could open markup or end an attribute', () => {
    expect(text(`<img src=x onerror="alert(1)">&'`)).toBe(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;',
    );
    expect(escapeHtml('</script>')).toBe('&lt;/script&gt;');
  });

  it('shows a right-to-left override instead of letting it reorder the name', () => {
    const name = 'invoice\u202Egpj.exe';
    expect(visible(name)).toBe('invoice⟦U+202E⟧gpj.exe');
    expect(text(name)).toBe('invoice<span class="cc" title="hidden character U+202E">U+202E</span>gpj.exe');
    expect(text(name)).not.toContain('\u202E');
  });

  it('marks zero-width characters, controls and lone surrogates, and leaves real letters alone', () => {
    expect(visible('ad\u200Bmin\u0007x\uD800y')).toBe('ad⟦U+200B⟧min⟦U+0007⟧x⟦U+D800⟧y');
    expect(visible('Zoë 山田 שלום 👩‍💻')).toBe('Zoë 山田 שלום 👩⟦U+200D⟧💻');
  });

  it('writes raw records as valid JSON, with hidden characters as \\u escapes', () => {
    const raw = { name: 'a\u202Eb', tag: '</script><script>alert(1)</script>' };
    const html = rawJson(raw);
    expect(html).not.toContain('<script');
    const back = html
      .replace(/<span class="cc"[^>]*>([^<]*)<\/span>/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    expect(JSON.parse(back)).toEqual(raw);
  });

  it('cuts a huge raw record and says how much was left out', () => {
    const html = rawJson({ blob: 'x'.repeat(100_000) }, 1000);
    expect(html.length).toBeLessThan(1200);
    expect(html).toMatch(/… [\d,]+ more characters not shown$/);
  });

  it('embeds JSON that no </script> or <!-- can break out of, and that parses back the same', () => {
    const value = { t: '</script><!-- \u2028 & >', n: 1 };
    const s = jsonForScript(value);
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual(value);
  });
});
