//! A progress bar on stderr that never mixes with what is printed on stdout.
//!
//! When stdout and stderr are the same terminal, a bar drawn with `\r` would be overwritten
//! half-way by the next verdict line (and the last bar stayed on screen). The bar is therefore
//! erased before anything is printed on stdout, redrawn after, and erased for good at the end.

use std::io::Write;

/// Erase the whole current line and return to its start.
const ERASE_LINE: &str = "\r\x1b[2K";

pub(crate) struct Progress<W: Write> {
    out: Option<W>,
    total: usize,
    done: usize,
    shown: bool,
}

impl<W: Write> Progress<W> {
    /// A bar writing to `out`, or a silent one (`None`: not a terminal, or JSON output).
    pub(crate) fn new(out: Option<W>, total: usize) -> Progress<W> {
        Progress {
            out,
            total,
            done: 0,
            shown: false,
        }
    }

    /// Erases the bar, runs `print` (which writes to stdout and should flush it), counts one
    /// item done and draws the bar again.
    pub(crate) fn around<T>(&mut self, print: impl FnOnce() -> T) -> T {
        self.clear();
        let result = print();
        self.done += 1;
        self.draw();
        result
    }

    fn draw(&mut self) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let width = 30;
        let filled = self.done.min(self.total) * width / self.total.max(1);
        let _ = write!(
            out,
            "{ERASE_LINE}[{}{}] {}/{}",
            "#".repeat(filled),
            " ".repeat(width - filled),
            self.done,
            self.total
        );
        let _ = out.flush();
        self.shown = true;
    }

    /// Erases the bar if it is on screen.
    pub(crate) fn clear(&mut self) {
        if let (true, Some(out)) = (self.shown, self.out.as_mut()) {
            let _ = write!(out, "{ERASE_LINE}");
            let _ = out.flush();
            self.shown = false;
        }
    }
}

impl<W: Write> Drop for Progress<W> {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A stderr and a stdout that write into one shared screen, like a terminal does.
    #[derive(Clone, Default)]
    struct Screen(Rc<RefCell<Vec<u8>>>);
    impl Write for Screen {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What a terminal would show: `\r` returns to the line start, ERASE_LINE empties it.
    fn rendered(bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(bytes).replace(ERASE_LINE, "\u{1}");
        let mut lines = vec![String::new()];
        for c in text.chars() {
            let last = lines.last_mut().expect("one line");
            match c {
                '\n' => lines.push(String::new()),
                '\u{1}' | '\r' => last.clear(),
                c => last.push(c),
            }
        }
        lines
    }

    #[test]
    fn verdict_lines_never_share_a_line_with_the_bar_and_the_bar_is_erased_at_the_end() {
        let screen = Screen::default();
        let mut stdout = screen.clone();
        {
            let mut p = Progress::new(Some(screen.clone()), 3);
            for i in 0..3 {
                p.around(|| writeln!(stdout, "VERIFIED img{i}").expect("write"));
            }
        }
        let shown = rendered(&screen.0.borrow());
        assert_eq!(
            shown,
            ["VERIFIED img0", "VERIFIED img1", "VERIFIED img2", ""],
            "{:?}",
            String::from_utf8_lossy(&screen.0.borrow())
        );
    }

    #[test]
    fn the_bar_is_visible_between_lines() {
        let screen = Screen::default();
        let mut p = Progress::new(Some(screen.clone()), 2);
        p.around(|| ());
        assert_eq!(
            rendered(&screen.0.borrow()).last().map(String::as_str),
            Some("[###############               ] 1/2")
        );
        drop(p);
        assert_eq!(rendered(&screen.0.borrow()), [""]);
    }

    #[test]
    fn a_silent_bar_writes_nothing() {
        let mut p: Progress<Screen> = Progress::new(None, 2);
        assert_eq!(p.around(|| 7), 7);
    }
}
