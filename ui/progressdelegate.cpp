#include "progressdelegate.h"

#include "downloadinfo.h"
#include "downloadtablemodel.h"
#include "segment.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

#include <cmath>

namespace {

// Pixel columns [begin, end) of the bar's contents, counted from the side the bar fills from.
struct Columns
{
    int begin = 0;
    int end = 0;
};

// The column a byte offset of a file of `total` bytes falls on, in a bar `width` columns wide. Doubles: a
// byte offset times a width could overflow 64 bits for a (lying) server's exabyte Content-Length.
int columnOf(qint64 byte, qint64 total, int width)
{
    return int(std::lround(double(qBound<qint64>(0, byte, total)) / double(total) * double(width)));
}

// Calls emitRun(Columns) for every run of written bytes, left to right. A column counts as written when its
// centre is (both ends round to the nearest column edge), and runs that touch are merged, so that however
// many pieces a file has there is at most one call per two columns, and no allocation at all.
template<typename EmitRun>
void forEachWrittenRun(const QList<heiko::Segment> &segments, qint64 total, int width, EmitRun &&emitRun)
{
    Columns pending;
    const auto add = [&](qint64 from, qint64 to) {
        const int begin = columnOf(from, total, width);
        const int end = columnOf(to, total, width);
        if (end <= begin)
            return;
        if (pending.end > pending.begin) {
            if (begin <= pending.end) {
                pending.end = qMax(pending.end, end);
                return;
            }
            emitRun(pending);
        }
        pending = { begin, end };
    };
    qint64 covered = 0; // bytes before this are accounted for
    for (const heiko::Segment &segment : segments) {
        // Bytes no piece covers were written before the file was split (or by a piece that has gone), so
        // they count as written, and so does each piece up to its position.
        add(covered, segment.position);
        covered = qMax(covered, segment.end);
    }
    add(covered, total);
    if (pending.end > pending.begin)
        emitRun(pending);
}

} // namespace

ProgressDelegate::ProgressDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{ }

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const
{
    // The selection background first, so that a selected row still reads as selected.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const double fraction = index.data(DownloadTableModel::SortRole).toDouble();
    const auto state = heiko::DownloadState(index.data(DownloadTableModel::StateRole).toInt());
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 3, -2, -3);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = qBound(0, int(fraction * 1000.0), 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    if (state == heiko::DownloadState::Failed || state == heiko::DownloadState::Cancelled)
        bar.palette.setColor(QPalette::Highlight, QColor(0xc0, 0x39, 0x2b));
    else if (state == heiko::DownloadState::Paused)
        bar.palette.setColor(QPalette::Highlight, QColor(0x9e, 0x9e, 0x9e));
    if (!paintSegments(painter, bar, index, widget))
        style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

bool ProgressDelegate::paintSegments(QPainter *painter, const QStyleOptionProgressBar &bar,
                                     const QModelIndex &index, const QWidget *widget) const
{
    // A copy of an implicitly shared list: a reference count, not the pieces.
    const auto segments = index.data(DownloadTableModel::SegmentsRole).value<QList<heiko::Segment>>();
    const qint64 total = index.data(DownloadTableModel::BytesTotalRole).toLongLong();
    if (segments.isEmpty() || total <= 0)
        return false;

    // The style's groove is the empty bar, so the row still looks like its neighbours; the style's chunk can
    // only be one bar from the start, so the written ranges are filled here, inside the groove's frame.
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ProgressBarGroove, &bar, painter, widget);
    const QRect contents
        = style->subElementRect(QStyle::SE_ProgressBarContents, &bar, widget).adjusted(1, 1, -1, -1);
    const int width = contents.width();
    if (width <= 0 || contents.height() <= 0)
        return true;
    const bool rightToLeft = bar.direction == Qt::RightToLeft; // a bar fills from the right there
    const auto toRect = [&contents, rightToLeft](Columns run) {
        const int left = rightToLeft ? contents.right() + 1 - run.end : contents.left() + run.begin;
        return QRect(left, contents.top(), run.end - run.begin, contents.height());
    };

    const QColor filled = bar.palette.color(QPalette::Highlight);
    forEachWrittenRun(segments, total, width, [&](Columns run) { painter->fillRect(toRect(run), filled); });

    // A thin line where each unfinished piece starts, in the text colour made faint, so that it shows on the
    // filled part and on the empty groove alike, in light and dark themes. Finished pieces get none: a large
    // file collects hundreds of them (every stolen half is one), and their lines would only hatch the part
    // that is done. Lines closer than a few columns would merge into a dark smear, so they are thinned out.
    constexpr int kMinSeparatorGap = 3;
    QColor separator = bar.palette.color(QPalette::Text);
    separator.setAlpha(110);
    int lastColumn = 0;
    for (const heiko::Segment &segment : segments) {
        if (segment.isDone())
            continue;
        const int column = columnOf(segment.start, total, width);
        if (column < lastColumn + kMinSeparatorGap || column >= width)
            continue; // the bar's own edge, or too close to the last line
        lastColumn = column;
        painter->fillRect(toRect({ column, column + 1 }), separator);
    }

    if (bar.textVisible && !bar.text.isEmpty()) {
        // As the styles' own labels do: the text colour over the empty part and the highlighted text colour
        // over what is filled, here per filled run that the text crosses (usually one or two).
        const QRect textArea = QStyle::alignedRect(
            bar.direction, Qt::AlignCenter,
            QSize(bar.fontMetrics.horizontalAdvance(bar.text) + 2, contents.height()), contents);
        painter->save();
        painter->setPen(bar.palette.color(QPalette::Text));
        painter->drawText(contents, Qt::AlignCenter, bar.text);
        painter->setPen(bar.palette.color(QPalette::HighlightedText));
        forEachWrittenRun(segments, total, width, [&](Columns run) {
            const QRect over = toRect(run) & textArea;
            if (over.isEmpty())
                return;
            painter->save();
            painter->setClipRect(over, Qt::IntersectClip);
            painter->drawText(contents, Qt::AlignCenter, bar.text);
            painter->restore();
        });
        painter->restore();
    }
    return true;
}
